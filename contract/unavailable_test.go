package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"latchkey/app/apptest"
)

// dbTimeout is the DATABASE_TIMEOUT_MS of the fault tests, and answerWithin the bound a request
// must answer in when the database does not: the timeout and a margin for the rest of the work
// (a password hash, slow under -race on a busy machine: 2 s was once exceeded).
const (
	dbTimeout    = "300"
	answerWithin = 3 * time.Second
)

// TestLockedTableIsUnavailable: while another client holds a lock on users, requests that need
// the table answer UNAVAILABLE within the bound, and succeed again once the lock is gone.
func TestLockedTableIsUnavailable(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"DATABASE_TIMEOUT_MS": dbTimeout}})
	alice := env.Register(t, "alice", "alice@example.com", "first-password-1")
	unlock := lockUsers(t, env)
	calls := map[string]call{
		"Register": {query: apptest.RegisterMutation, vars: map[string]any{"u": "bob", "e": "bob@example.com", "p": "bob-password-1"}},
	}
	if env.Dialect() == dialect.Postgres { // SQLite locks writers out, not readers
		calls["Me"] = call{token: alice.AccessToken, query: apptest.MeQuery}
		calls["Login"] = call{query: apptest.LoginMutation, vars: map[string]any{"e": "alice@example.com", "p": "first-password-1"}}
	} else { // and PostgreSQL's lock on users leaves the outbox free
		calls["ForgotPassword"] = call{query: apptest.ForgotMutation, vars: map[string]any{"e": "alice@example.com"}}
	}
	for name, c := range calls {
		t.Run(name, func(t *testing.T) { wantUnavailable(t, queryWithin(t, env, answerWithin, c)) })
	}
	unlock()
	for name, c := range calls {
		t.Run(name+"Recovers", func(t *testing.T) { wantOK(t, queryWithin(t, env, answerWithin, c)) })
	}
}

// TestRequestTimeout: with a database deadline longer than the request's, requests waiting on
// a lock, for the database's only writer or in the outbox's batch answer UNAVAILABLE by
// REQUEST_TIMEOUT_SECONDS, and the server works again once the lock is gone.
func TestRequestTimeout(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{
		"DATABASE_TIMEOUT_MS": "6000", "REQUEST_TIMEOUT_SECONDS": "1",
	}})
	alice := env.Register(t, "alice", "alice@example.com", "first-password-1")
	unlock := lockUsers(t, env, "mail_outbox")
	calls := []call{
		{query: apptest.ForgotMutation, vars: map[string]any{"e": "alice@example.com"}},
		{query: apptest.ForgotMutation, vars: map[string]any{"e": "bob@example.com"}},
		{query: apptest.RegisterMutation, vars: map[string]any{"u": "bob", "e": "bob@example.com", "p": "bob-password-1"}},
	}
	if env.Dialect() == dialect.Postgres {
		calls = append(calls, call{token: alice.AccessToken, query: apptest.MeQuery})
	}
	var wg sync.WaitGroup
	responses := make([]*apptest.Response, len(calls))
	errs := make([]error, len(calls))
	for i, c := range calls {
		wg.Go(func() { responses[i], errs[i] = sendWithin(env, answerWithin, c) })
	}
	wg.Wait()
	for i, r := range responses {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		wantUnavailable(t, r)
	}
	unlock()
	wantOK(t, queryWithin(t, env, answerWithin, calls[2]))
	wantOK(t, queryWithin(t, env, answerWithin, calls[0]))
}

// lockUsers has another connection take the lock that keeps the server's statements on users,
// and on the other tables named, waiting (on SQLite, the write lock), and returns the function
// that releases it.
func lockUsers(tb testing.TB, env *apptest.Env, tables ...string) (unlock func()) {
	tb.Helper()
	ctx := context.Background()
	conn, err := env.OpenDB(tb).Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	stmts := []string{"BEGIN IMMEDIATE"}
	if env.Dialect() == dialect.Postgres {
		stmts = []string{"BEGIN", "LOCK TABLE " + strings.Join(append([]string{"users"}, tables...), ", ") + " IN ACCESS EXCLUSIVE MODE"}
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
	done := false
	unlock = func() {
		if !done {
			done = true
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
			_ = conn.Close()
		}
	}
	tb.Cleanup(unlock)
	return unlock
}

// queryWithin sends c and fails the test unless the answer comes within d.
func queryWithin(tb testing.TB, env *apptest.Env, d time.Duration, c call) *apptest.Response {
	tb.Helper()
	r, err := sendWithin(env, d, c)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// sendWithin is queryWithin for other goroutines than the test's: the error says what failed.
func sendWithin(env *apptest.Env, d time.Duration, c call) (*apptest.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("no answer within %s: %w", d, err)
	}
	defer resp.Body.Close()
	r := &apptest.Response{Status: resp.StatusCode, Header: resp.Header}
	if r.Body, err = io.ReadAll(resp.Body); err != nil {
		return nil, fmt.Errorf("no answer within %s: %w", d, err)
	}
	if err := json.Unmarshal(r.Body, r); err != nil {
		return nil, fmt.Errorf("HTTP %d, not JSON: %s", r.Status, r.Body)
	}
	return r, nil
}

// wantUnavailable checks r is the contract's UNAVAILABLE with a retryAfter in seconds.
func wantUnavailable(tb testing.TB, r *apptest.Response) {
	tb.Helper()
	e := wantError(tb, r, "UNAVAILABLE", "", "Temporarily unavailable, try again in a few seconds")
	if s, ok := e.Extensions["retryAfter"].(float64); !ok || s < 1 {
		tb.Errorf("retryAfter = %v, want seconds: %s", e.Extensions["retryAfter"], r.Body)
	}
}
