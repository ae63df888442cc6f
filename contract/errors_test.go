package contract_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"

	"latchkey/app/apptest"
)

// TestInternalErrorsDoNotLeak: when the database fails, the client sees only the contract's
// INTERNAL_SERVER_ERROR and message; the cause goes to the log under the request's id.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	drop := `DROP TABLE users`
	if env.Dialect() == dialect.Postgres {
		drop += ` CASCADE` // the reset tokens' foreign key depends on it
	}
	if _, err := env.OpenDB(t).Exec(drop); err != nil {
		t.Fatal(err)
	}

	for name, send := range map[string]func() *apptest.Response{
		"Me": func() *apptest.Response { return env.Query(t, s.AccessToken, apptest.MeQuery, nil) },
		"Register": func() *apptest.Response {
			return register(t, env, "bob", "bob@example.com", "bob-password-1")
		},
		"Login": func() *apptest.Response { return login(t, env, "alice@example.com", "first-password-1") },
	} {
		t.Run(name, func(t *testing.T) {
			cause := "no such table: users"
			if env.Dialect() == dialect.Postgres {
				cause = `relation \"users\" does not exist`
			}
			wantInternal(t, env, send(), cause)
		})
	}
}

// TestPanicsDoNotLeak: a panic in a resolver is answered like any internal error, and its
// value and stack go to the log under the request's id.
func TestPanicsDoNotLeak(t *testing.T) {
	var armed atomic.Bool
	env := apptest.Start(t, apptest.Setup{NoWorker: true, WrapDriver: func(d dialect.Driver) dialect.Driver {
		return panickingDriver{Driver: d, armed: &armed}
	}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	armed.Store(true)
	r := login(t, env, "alice@example.com", "first-password-1")
	armed.Store(false)
	wantInternal(t, env, r, "panic: reading users went wrong")
	if !logLine(env.Logs(), "request_id="+r.Header.Get("X-Request-Id"), "errors_test.go") {
		t.Errorf("the log line has no stack:\n%s", env.Logs())
	}
	wantOK(t, login(t, env, "alice@example.com", "first-password-1"))
}

// panickingDriver panics on statements about users while armed.
type panickingDriver struct {
	dialect.Driver
	armed *atomic.Bool
}

func (d panickingDriver) Query(ctx context.Context, query string, args, v any) error {
	if d.armed.Load() && strings.Contains(query, "users") {
		panic("reading users went wrong")
	}
	return d.Driver.Query(ctx, query, args, v)
}

// wantInternal checks that r is the contract's internal error and nothing more, and that the
// log has a line with r's request id and the cause.
func wantInternal(tb testing.TB, env *apptest.Env, r *apptest.Response, cause string) {
	tb.Helper()
	wantError(tb, r, "INTERNAL_SERVER_ERROR", "", "Internal server error")
	if len(r.Errors[0].Extensions) != 1 {
		tb.Errorf("extensions = %v, want only the code", r.Errors[0].Extensions)
	}
	body := strings.ToLower(string(r.Body))
	for _, leak := range []string{"sql", "ent:", "no such table", "users", ".go", "latchkey", strings.ToLower(env.DatabaseURL), "/tmp", "stack", "panic", "went wrong"} {
		if strings.Contains(body, leak) {
			tb.Errorf("response mentions %q: %s", leak, r.Body)
		}
	}
	id := r.Header.Get("X-Request-Id")
	if id == "" {
		tb.Fatal("no X-Request-Id")
	}
	if !logLine(env.Logs(), "request_id="+id, cause) {
		tb.Errorf("no log line with request_id=%s and the cause:\n%s", id, env.Logs())
	}
}

// logLine reports whether one line of logs contains every part.
func logLine(logs string, parts ...string) bool {
	for line := range strings.Lines(logs) {
		found := true
		for _, p := range parts {
			found = found && strings.Contains(line, p)
		}
		if found {
			return true
		}
	}
	return false
}

// TestErrorsCarryContractCode: errors about the request itself are BAD_USER_INPUT too, never
// an unlisted code.
func TestErrorsCarryContractCode(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	for name, query := range map[string]string{
		"SyntaxError":     `{me{id`,
		"UnknownField":    `{me{password}}`,
		"MissingVariable": apptest.ForgotMutation,
	} {
		t.Run(name, func(t *testing.T) {
			r := env.Query(t, "", query, nil)
			if len(r.Errors) == 0 {
				t.Fatalf("no error: %s", r.Body)
			}
			for _, e := range r.Errors {
				if e.Extensions["code"] != "BAD_USER_INPUT" {
					t.Errorf("code = %v, want BAD_USER_INPUT: %s", e.Extensions["code"], r.Body)
				}
			}
		})
	}
}
