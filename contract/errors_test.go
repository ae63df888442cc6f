package contract_test

import (
	"entgo.io/ent/dialect"
	"strings"
	"testing"

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
			r := send()
			wantError(t, r, "INTERNAL_SERVER_ERROR", "", "Internal server error")
			if len(r.Errors[0].Extensions) != 1 {
				t.Errorf("extensions = %v, want only the code", r.Errors[0].Extensions)
			}
			body := strings.ToLower(string(r.Body))
			for _, leak := range []string{"sql", "ent:", "no such table", "users", ".go", "latchkey", strings.ToLower(env.DatabaseURL), "/tmp", "stack", "panic"} {
				if strings.Contains(body, leak) {
					t.Errorf("response mentions %q: %s", leak, r.Body)
				}
			}
			id := r.Header.Get("X-Request-Id")
			if id == "" {
				t.Fatal("no X-Request-Id")
			}
			cause := "no such table: users"
			if env.Dialect() == dialect.Postgres {
				cause = `relation \"users\" does not exist`
			}
			if !logLine(env.Logs(), "request_id="+id, cause) {
				t.Errorf("no log line with request_id=%s and the cause:\n%s", id, env.Logs())
			}
		})
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
