package contract_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// TestResetPasswordConcurrentSingleUse: fifty resets with one token at the same moment, each
// with its own new password: exactly one succeeds, the others are told the token is invalid,
// none sees an internal error, and the password is the winner's.
func TestResetPasswordConcurrentSingleUse(t *testing.T) {
	const n = 50
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	token := env.ResetTokenFromMail(t, 1)

	type result struct {
		status int
		code   string
		body   string
		err    error
	}
	passwords := make([]string, n)
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		passwords[i] = fmt.Sprintf("racer-%02d-password", i)
		wg.Go(func() {
			<-start
			// Each from its own address: one client gets at most two hashing slots at once.
			status, body, err := postAs(env, call{"", apptest.ResetMutation, map[string]any{"t": token, "p": passwords[i]}}, racer(i))
			results[i] = result{status: status, body: string(body), err: err}
			var r struct {
				Errors []apptest.GQLError `json:"errors"`
			}
			if err == nil && json.Unmarshal(body, &r) == nil && len(r.Errors) > 0 {
				results[i].code, _ = r.Errors[0].Extensions["code"].(string)
			}
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	t.Run("ExactlyOneSucceeds", func(t *testing.T) {
		for i, r := range results {
			switch {
			case r.err != nil:
				t.Errorf("reset %d: %v", i, r.err)
			case r.status != http.StatusOK:
				t.Errorf("reset %d: HTTP %d: %s", i, r.status, r.body)
			case r.code == "":
				if winner >= 0 {
					t.Errorf("resets %d and %d both succeeded", winner, i)
				}
				winner = i
			case r.code != "INVALID_RESET_TOKEN":
				t.Errorf("reset %d: %s, want INVALID_RESET_TOKEN: %s", i, r.code, r.body)
			}
		}
		if winner < 0 {
			t.Fatal("no reset succeeded")
		}
	})
	if winner < 0 {
		return
	}

	t.Run("WinnersPasswordWorks", func(t *testing.T) {
		env.Login(t, "alice@example.com", passwords[winner])
	})
	t.Run("NoOtherPasswordWorks", func(t *testing.T) {
		for i, p := range append(passwords, "first-password-1") {
			if i == winner {
				continue
			}
			env.Clock.Advance(time.Minute) // past the login throttle's delay, capped at a minute
			wantError(t, login(t, env, "alice@example.com", p), "UNAUTHENTICATED", "", "Incorrect email or password")
		}
	})
	t.Run("BusyDatabaseNeverSurfaces", func(t *testing.T) {
		for _, s := range []string{"database is locked", "SQLITE_BUSY", "level=ERROR"} {
			if strings.Contains(env.Logs(), s) {
				t.Errorf("the log has %q:\n%s", s, env.Logs())
			}
		}
	})
}
