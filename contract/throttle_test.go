package contract_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"latchkey/account"
	"latchkey/app/apptest"
)

// quickHashing keeps the many logins and registrations fast; hashing strength is not the subject.
var quickHashing = account.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// queryFrom posts an operation with X-Forwarded-For set to forwardedFor, when not empty.
func queryFrom(tb testing.TB, env *apptest.Env, forwardedFor, query string, vars map[string]any) *apptest.Response {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, env.URL()+"/graphql", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	return env.Do(tb, req)
}

// wantRateLimited checks r is RATE_LIMITED and returns its retryAfter, in seconds.
func wantRateLimited(tb testing.TB, r *apptest.Response) float64 {
	tb.Helper()
	e := wantError(tb, r, "RATE_LIMITED", "", "")
	secs, ok := e.Extensions["retryAfter"].(float64)
	if !ok || secs < 1 || secs != float64(int(secs)) {
		tb.Fatalf("retryAfter = %v, want a whole number of seconds, at least 1", e.Extensions["retryAfter"])
	}
	return secs
}

// TestRateLimitsPerOperation: each public operation allows its number of requests a minute from
// one client, then answers RATE_LIMITED with retryAfter, and allows again a minute later.
func TestRateLimitsPerOperation(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing, Env: map[string]string{"RATE_LIMIT_ENABLED": "true"}})
	n := 0
	ops := []struct {
		name  string
		limit int
		call  func() *apptest.Response
	}{
		{"ForgotPassword5", 5, func() *apptest.Response { return forgot(t, env, "nobody@example.com") }},
		{"Login10", 10, func() *apptest.Response {
			n++ // a new address each time, so that the per-account throttle stays out of the way
			return login(t, env, fmt.Sprintf("nobody%d@example.com", n), "wrong-password-1")
		}},
		{"Register5", 5, func() *apptest.Response {
			n++
			return env.Query(t, "", apptest.RegisterMutation, map[string]any{"u": fmt.Sprintf("user%d", n), "e": fmt.Sprintf("user%d@example.com", n), "p": "first-password-1"})
		}},
		{"ResetPassword10", 10, func() *apptest.Response { return reset(t, env, randomToken(t), "second-password-2") }},
		{"CheckResetToken20", 20, func() *apptest.Response {
			return env.Query(t, "", apptest.CheckQuery, map[string]any{"t": randomToken(t)})
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			for i := range op.limit {
				if r := op.call(); r.Code() == "RATE_LIMITED" {
					t.Fatalf("request %d of %d limited: %s", i+1, op.limit, r.Body)
				}
			}
			if secs := wantRateLimited(t, op.call()); secs > 60 {
				t.Errorf("retryAfter = %v, want at most a minute", secs)
			}
		})
	}
	env.Clock.Advance(time.Minute)
	for _, op := range ops {
		t.Run(op.name+"AgainAfterAMinute", func(t *testing.T) {
			if r := op.call(); r.Code() == "RATE_LIMITED" {
				t.Errorf("still limited after a minute: %s", r.Body)
			}
		})
	}
}

// TestRateLimitClientIP: the allowance belongs to the client's address, which is the
// connection's unless TRUSTED_PROXIES says to believe X-Forwarded-For.
func TestRateLimitClientIP(t *testing.T) {
	exhaust := func(tb testing.TB, env *apptest.Env, forwardedFor string) {
		tb.Helper()
		for i := range 5 {
			wantOK(tb, queryFrom(tb, env, forwardedFor, apptest.ForgotMutation, map[string]any{"e": fmt.Sprintf("n%d@example.com", i)}))
		}
		wantRateLimited(tb, queryFrom(tb, env, forwardedFor, apptest.ForgotMutation, map[string]any{"e": "n@example.com"}))
	}

	t.Run("BehindTrustedProxyEachClientOwnAllowance", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{
			"RATE_LIMIT_ENABLED": "true",
			"TRUSTED_PROXIES":    "127.0.0.1/32",
		}})
		exhaust(t, env, "203.0.113.1")
		wantOK(t, queryFrom(t, env, "203.0.113.2", apptest.ForgotMutation, map[string]any{"e": "n@example.com"}))
		wantOK(t, queryFrom(t, env, "", apptest.ForgotMutation, map[string]any{"e": "n@example.com"}))
		t.Run("ForgedHopBeforeProxyIgnored", func(t *testing.T) {
			r := queryFrom(t, env, "198.51.100.9, 203.0.113.1", apptest.ForgotMutation, map[string]any{"e": "n@example.com"})
			wantRateLimited(t, r)
		})
	})

	t.Run("UntrustedForwardedForIgnored", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"RATE_LIMIT_ENABLED": "true"}})
		exhaust(t, env, "203.0.113.1")
		wantRateLimited(t, queryFrom(t, env, "203.0.113.2", apptest.ForgotMutation, map[string]any{"e": "n@example.com"}))
	})
}

// TestLoginThrottlePerAccount: after five failed logins an account's logins wait, longer after
// each further failure but never more than a minute; the owner gets in once the wait is over,
// and a success starts the count again.
func TestLoginThrottlePerAccount(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	env.Register(t, "bob", "bob@example.com", "first-password-1")
	for range 5 {
		wantError(t, login(t, env, "alice@example.com", "wrong-password-1"), "UNAUTHENTICATED", "", "Incorrect email or password")
	}

	var wait float64
	t.Run("SixthWaitsEvenWithRightPassword", func(t *testing.T) {
		wait = wantRateLimited(t, login(t, env, "alice@example.com", "first-password-1"))
	})
	t.Run("OtherAccountsUnaffected", func(t *testing.T) {
		env.Login(t, "bob@example.com", "first-password-1")
	})
	t.Run("DelayGrows", func(t *testing.T) {
		env.Clock.Advance(time.Duration(wait) * time.Second)
		wantError(t, login(t, env, "alice@example.com", "wrong-password-1"), "UNAUTHENTICATED", "", "")
		if next := wantRateLimited(t, login(t, env, "alice@example.com", "wrong-password-1")); next <= wait {
			t.Errorf("retryAfter %v after another failure, want more than %v", next, wait)
		}
	})
	t.Run("DelayCappedAtAMinute", func(t *testing.T) {
		for range 15 {
			env.Clock.Advance(time.Minute)
			wantError(t, login(t, env, "alice@example.com", "wrong-password-1"), "UNAUTHENTICATED", "", "")
		}
		wait = wantRateLimited(t, login(t, env, "alice@example.com", "first-password-1"))
		if wait > 60 {
			t.Errorf("retryAfter = %v, want at most 60 s", wait)
		}
	})
	t.Run("OwnerGetsInAfterDelay", func(t *testing.T) {
		env.Clock.Advance(time.Duration(wait) * time.Second)
		env.Login(t, "alice@example.com", "first-password-1")
	})
	t.Run("SuccessResetsCount", func(t *testing.T) {
		for i := range 5 {
			if r := login(t, env, "alice@example.com", "wrong-password-1"); r.Code() != "UNAUTHENTICATED" {
				t.Fatalf("failure %d after a success: %s", i+1, r.Body)
			}
		}
	})
}

// TestResetMailLimitsPerAccount: past one mail a minute and three an hour to an account,
// forgotPassword answers exactly as for an unknown email and sends nothing.
func TestResetMailLimitsPerAccount(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	unknown := forgot(t, env, "nobody@example.com")
	request := func(tb testing.TB, wantMails int) {
		tb.Helper()
		r := forgot(tb, env, "alice@example.com")
		if r.Status != unknown.Status || !bytes.Equal(r.Body, unknown.Body) {
			tb.Errorf("answer differs from an unknown email's:\n%s\n%s", r.Body, unknown.Body)
		}
		env.Flush(tb)
		if n := env.SMTP.Count(); n != wantMails {
			tb.Errorf("%d mails sent, want %d", n, wantMails)
		}
	}

	request(t, 1)
	t.Run("TooSoonSendsNothing", func(t *testing.T) {
		env.Clock.Advance(59 * time.Second)
		request(t, 1)
	})
	t.Run("AfterAMinuteSends", func(t *testing.T) {
		env.Clock.Advance(2 * time.Second)
		request(t, 2)
		env.Clock.Advance(61 * time.Second)
		request(t, 3)
	})
	t.Run("FourthInTheHourSendsNothing", func(t *testing.T) {
		env.Clock.Advance(61 * time.Second)
		request(t, 3)
	})
	t.Run("NextHourSends", func(t *testing.T) {
		env.Clock.Advance(time.Hour)
		request(t, 4)
	})
}

// TestLoginThrottleStrangerCannotLockOwnerOut: a guesser on one client slows only itself; the
// owner on another client still signs in, until guesses for the account pile up from many
// clients, which then slows every client down.
func TestLoginThrottleStrangerCannotLockOwnerOut(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	loginFrom := func(ip, password string) *apptest.Response {
		return queryFrom(t, env, ip, apptest.LoginMutation, map[string]any{"e": "alice@example.com", "p": password})
	}
	for range 12 {
		loginFrom("198.51.100.7", "wrong-password-1")
	}
	wantRateLimited(t, loginFrom("198.51.100.7", "first-password-1"))
	if r := loginFrom("203.0.113.9", "first-password-1"); r.Code() != "" {
		t.Fatalf("the owner on another client is locked out by a stranger's guesses: %s", r.Body)
	}

	t.Run("ManyClientsSlowTheAccount", func(t *testing.T) {
		for i := range 25 {
			if r := loginFrom(fmt.Sprintf("192.0.2.%d", i+1), "wrong-password-1"); r.Code() == "RATE_LIMITED" {
				return
			}
		}
		t.Fatal("25 failures from 25 clients were never slowed down")
	})
}
