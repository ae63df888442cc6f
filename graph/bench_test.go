package graph_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"latchkey/account"
	"latchkey/database"
	"latchkey/ent"
	"latchkey/graph"
	"latchkey/outbox"
)

// benchHandler returns the /graphql handler on a fresh SQLite file, as the server opens it, and
// an access token of the one account in it.
func benchHandler(b *testing.B) (http.Handler, *account.Service, string) {
	b.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// No worker runs: the queued rows stay, as they would behind a slow mail server.
	queue, err := outbox.New(db.Client, outbox.Options{Senders: 1, Lease: time.Minute}, outbox.Hooks{
		Deliver: func(context.Context, *ent.OutboxMail) error { return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := account.NewService(db.Client, nil, account.Config{
		Outbox:            queue,
		SecretKey:         []byte(strings.Repeat("k", 32)),
		Algorithm:         "HS256",
		AccessTokenTTL:    time.Hour,
		PasswordMinLength: 8,
		ResetMailsPerHour: 3,
		// Cheap hashing: these benchmarks are about everything around it.
		Argon2: account.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32},
	}, quiet)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, "bench", "bench@example.com", "bench password 1"); err != nil {
		b.Fatal(err)
	}
	sess, err := svc.Login(ctx, "bench@example.com", "bench password 1", "")
	if err != nil {
		b.Fatal(err)
	}
	return graph.NewHandler(svc, graph.Options{Logger: quiet}), svc, sess.AccessToken
}

func serveBench(b *testing.B, h http.Handler, body, token, want string) {
	b.Helper()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			if token != "" {
				r.Header.Set("Authorization", "Bearer "+token)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !strings.Contains(w.Body.String(), want) {
				b.Errorf("unexpected answer: %s", w.Body)
				return
			}
		}
	})
}

// BenchmarkHandlerMe is one signed-in `me` query through the whole GraphQL handler: parse (from
// the query cache), JWT check, one indexed read, JSON answer.
func BenchmarkHandlerMe(b *testing.B) {
	h, _, token := benchHandler(b)
	serveBench(b, h, `{"query":"{me{id username email createdAt}}"}`, token, `"me":{"id"`)
}

// BenchmarkHandlerForgotPassword is one forgotPassword through the handler: one outbox insert.
func BenchmarkHandlerForgotPassword(b *testing.B) {
	h, _, _ := benchHandler(b)
	body := `{"query":"mutation($e:String!){forgotPassword(input:{email:$e}){message}}","variables":{"e":"bench@example.com"}}`
	serveBench(b, h, body, "", `"forgotPassword":{"message"`)
}
