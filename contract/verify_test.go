package contract_test

import (
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// TestRegisterForbiddenWhenVerified: with REGISTRATION=verified, register creates nothing and
// answers FORBIDDEN, pointing to signUp, which still works; with instant (the test default) it
// creates an account at once, unverified.
func TestRegisterForbiddenWhenVerified(t *testing.T) {
	t.Run("ErrVerified", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: map[string]string{"REGISTRATION": "verified"}})
		r := env.Query(t, "", apptest.RegisterMutation, map[string]any{"u": "alice", "e": "alice@example.com", "p": "first-password-1"})
		e := wantError(t, r, "FORBIDDEN", "", "")
		if !strings.Contains(e.Message, "signUp") {
			t.Errorf("message %q does not point to signUp", e.Message)
		}
		if n := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM users`); n != 0 {
			t.Errorf("%d accounts after a refused register", n)
		}
		wantOK(t, signUp(t, env, "alice", "alice@example.com", "first-password-1"))
		wantVerified(t, verifyEmail(t, env, env.VerifyTokenFromMail(t, 1)))
	})
	t.Run("OKInstant", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
		s := env.Register(t, "alice", "alice@example.com", "first-password-1")
		if emailVerified(t, env, s.AccessToken) {
			t.Error("an instant account's address is verified")
		}
	})
}

func emailVerified(tb testing.TB, env *apptest.Env, token string) bool {
	tb.Helper()
	r := env.Query(tb, token, `{me{emailVerified}}`, nil)
	wantOK(tb, r)
	var u struct {
		EmailVerified bool `json:"emailVerified"`
	}
	r.Decode(tb, "me", &u)
	return u.EmailVerified
}

// TestSendVerificationEmail: a signed-in account with an unverified address gets a link that
// verifies it and signs in; limited silently like reset mail, sharing its allowance; once
// verified, it is told so and nothing is sent.
func TestSendVerificationEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	send := func(tb testing.TB) string {
		tb.Helper()
		m := message(tb, env.Query(tb, s.AccessToken, apptest.SendVerificationMutation, nil), "sendVerificationEmail")
		env.Flush(tb)
		return m
	}

	wantError(t, env.Query(t, "", apptest.SendVerificationMutation, nil), "UNAUTHENTICATED", "", "")
	if m := send(t); m != "Check your inbox for a link to verify your email address." {
		t.Errorf("message = %q", m)
	}
	first := mail(t, env, 1)
	wantAlternative(t, first)
	if first.To[0] != "alice@example.com" || !strings.Contains(first.Parsed.Subject, "Verify") {
		t.Errorf("mail to %v, subject %q", first.To, first.Parsed.Subject)
	}
	t.Run("LimitedLikeResetMail", func(t *testing.T) {
		send(t)
		wantOK(t, forgot(t, env, "alice@example.com"))
		env.Flush(t)
		if n := env.SMTP.Count(); n != 1 {
			t.Errorf("%d mails within a minute of the first, want 1", n)
		}
	})
	env.Clock.Advance(61 * time.Second)
	send(t)
	older, token := env.VerifyTokenFromMail(t, 1), env.VerifyTokenFromMail(t, 2)
	t.Run("ErrOlderLinkReplaced", func(t *testing.T) {
		wantError(t, verifyEmail(t, env, older), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	})
	v := wantVerified(t, verifyEmail(t, env, token))
	t.Run("VerifiedAndSignedIn", func(t *testing.T) {
		if !v.User.EmailVerified || v.User.Username != "alice" || !emailVerified(t, env, s.AccessToken) {
			t.Errorf("user = %+v", v.User)
		}
		if meEmail(t, env, v.AccessToken) != "alice@example.com" {
			t.Error("the session is not alice's")
		}
		wantError(t, verifyEmail(t, env, token), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	})
	t.Run("AlreadyVerifiedSendsNothing", func(t *testing.T) {
		env.Clock.Advance(61 * time.Second) // the limits would let a mail through
		if m := send(t); m != "Your email address is already verified." {
			t.Errorf("message = %q", m)
		}
		if n := env.SMTP.Count(); n != 2 {
			t.Errorf("%d mails, want 2", n)
		}
	})
}

// settleSignUp signs up with email and waits until the worker is done with it, returning the
// mail series that moved and by how much.
func settleSignUp(tb testing.TB, env *apptest.Env, db *sql.DB, username, email string) map[string]float64 {
	tb.Helper()
	series := func() map[string]float64 {
		got := map[string]float64{}
		for _, kind := range []string{"sign_up", "password_reset"} {
			for _, event := range []string{"queued", "processed", "sent", "failed", "retried", "given_up", "refused"} {
				s := `latchkey_mail_total{event="` + event + `",kind="` + kind + `"}`
				got[s] = metricValue(tb, env, s)
			}
		}
		return got
	}
	before := series()
	wantOK(tb, signUp(tb, env, username, email, "first-password-1"))
	moved := map[string]float64{}
	eventually(tb, "the sign-up to be settled", func() bool {
		if count(tb, db, `SELECT COUNT(*) FROM mail_outbox`) != 0 {
			return false
		}
		clear(moved)
		total := 0.0
		for s, v := range series() {
			if d := v - before[s]; d != 0 {
				moved[s] = d
				total += d
			}
		}
		return total >= 2
	})
	return moved
}

// TestSignUpMetricsSameForExistingEmail: the mail metrics move alike for a sign-up with an
// address that has an account and one that has none.
func TestSignUpMetricsSameForExistingEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	existing := settleSignUp(t, env, db, "alice2", "alice@example.com")
	fresh := settleSignUp(t, env, db, "bob", "bob@example.com")
	if !reflect.DeepEqual(existing, fresh) {
		t.Errorf("metrics moved differently:\nexisting %v\nnew      %v", existing, fresh)
	}
	if n := env.SMTP.Count(); n != 2 {
		t.Errorf("%d mails, want a notice and a link", n)
	}
}

// TestVerificationMailMootOnceVerified: a verification mail still queued when the address gets
// verified another way (here, by an earlier link) is not sent: the worker looks again.
func TestVerificationMailMootOnceVerified(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, env.Query(t, s.AccessToken, apptest.SendVerificationMutation, nil))
	env.Flush(t)
	env.Clock.Advance(61 * time.Second)
	wantOK(t, env.Query(t, s.AccessToken, apptest.SendVerificationMutation, nil))
	wantVerified(t, verifyEmail(t, env, env.VerifyTokenFromMail(t, 1)))
	env.Flush(t)
	if n := env.SMTP.Count(); n != 1 {
		t.Errorf("%d mails, want 1: the second was asked for before the address was verified, and is moot", n)
	}
}

// TestVerificationAllowances: verifyEmail spends the client's resetPassword allowance (both
// spend a mailed token), sendVerificationEmail its forgotPassword allowance (both mail a link).
func TestVerificationAllowances(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing, Env: map[string]string{
		"RATE_LIMIT_ENABLED":                    "true",
		"RATE_LIMIT_RESET_PASSWORD_PER_MINUTE":  "2",
		"RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": "2",
	}})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantError(t, verifyEmail(t, env, randomToken(t)), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	wantError(t, reset(t, env, randomToken(t), "second-password-2"), "INVALID_RESET_TOKEN", "", "")
	wantRateLimited(t, verifyEmail(t, env, randomToken(t)))

	wantOK(t, env.Query(t, s.AccessToken, apptest.SendVerificationMutation, nil))
	wantOK(t, forgot(t, env, "alice@example.com"))
	wantRateLimited(t, env.Query(t, s.AccessToken, apptest.SendVerificationMutation, nil))
}
