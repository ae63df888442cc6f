package graph

// gqlgen resolves the paths in gqlgen.yml from the working directory, hence -C.
//go:generate go -C .. run github.com/99designs/gqlgen generate
//go:generate go -C .. run ./cmd/printschema schema.graphql
