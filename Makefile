# Everyday tasks; each is one command you can also type yourself.
.PHONY: run test test-postgres generate lint bench loadtest ci

run:            ## the server on 127.0.0.1:8000 with ./blog.db, mail written to the log
	go run ./cmd/server

test:           ## the whole suite on SQLite (browser tests need chromium)
	go test ./...

test-postgres:  ## the whole suite again on the local PostgreSQL server
	TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' go test ./...

generate:       ## ent, gqlgen, schema.graphql, the README's settings table, .env.example
	go generate ./...

lint:           ## gofmt, go vet, staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '^ent/'))" || { gofmt -l $$(git ls-files '*.go' | grep -v '^ent/'); exit 1; }
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck ./...

bench:          ## Go benchmarks of the hot paths
	go test -run='^$$' -bench=. -benchmem ./account/ ./graph/ ./database/ ./contract/

loadtest:       ## the load tool against the real server (see docs/BENCHMARKS.md)
	go run ./cmd/loadtest

ci:             ## what CI runs
	bash .ci/run
