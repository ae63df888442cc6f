package contract_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
)

const signUpMessage = "Check your inbox to finish creating your account."

func signUp(tb testing.TB, env *apptest.Env, username, email, password string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, "", apptest.SignUpMutation, map[string]any{"u": username, "e": email, "p": password})
}

func verifyEmail(tb testing.TB, env *apptest.Env, token string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, "", apptest.VerifyMutation, map[string]any{"t": token})
}

// TestSignUpSameForExistingEmail: signUp answers the same, byte for byte, for an address with an
// account, in any spelling, and for one without; the first gets a notice, the second a link.
func TestSignUpSameForExistingEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing})
	env.Register(t, "alice", "alice@example.com", "first-password-1")

	existing := signUp(t, env, "alice2", "alice@example.com", "another-password-2")
	otherCase := signUp(t, env, "alice3", "ALICE@Example.com", "another-password-2")
	fresh := signUp(t, env, "bob", "bob@example.com", "another-password-2")
	if got := message(t, fresh, "signUp"); got != signUpMessage {
		t.Fatalf("message = %q, want %q", got, signUpMessage)
	}
	for name, r := range map[string]*apptest.Response{"existing": existing, "other case": otherCase} {
		if r.Status != fresh.Status || !bytes.Equal(r.Body, fresh.Body) {
			t.Errorf("%s address answered differently:\n%s\n%s", name, r.Body, fresh.Body)
		}
		if r.Header.Get("Content-Type") != fresh.Header.Get("Content-Type") {
			t.Errorf("%s address: Content-Type %q, want %q", name, r.Header.Get("Content-Type"), fresh.Header.Get("Content-Type"))
		}
	}
	env.Flush(t)
	t.Run("NoticeForExistingLinkForNew", func(t *testing.T) {
		// Alice's second sign-up is too soon after the first notice: the reset-mail limits.
		if n := env.SMTP.Count(); n != 2 {
			t.Fatalf("%d mails, want a notice to alice and a link to bob", n)
		}
		for _, m := range env.SMTP.Wait(t, 2, mailWait) {
			isLink := strings.Contains(m.Parsed.Text, apptest.VerifyPath)
			if to := m.To[0]; (to == "bob@example.com") != isLink {
				t.Errorf("mail to %s: verification link %v", to, isLink)
			}
		}
	})
}

// TestSignUpSameStatements: before it answers, signUp sends the database the same statements, in
// the same order, for an address with an account, for one with a pending sign-up, and for a new
// one; only argument values differ. None of them looks the address up.
func TestSignUpSameStatements(t *testing.T) {
	rec := &statementRecorder{}
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing, WrapDriver: rec.wrap})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, signUp(t, env, "carol", "carol@example.com", "first-password-1"))
	env.Flush(t) // carol now has a pending sign-up

	statements := func(username, email string) []string {
		t.Helper()
		rec.reset()
		if got := message(t, signUp(t, env, username, email, "another-password-2"), "signUp"); got != signUpMessage {
			t.Fatalf("message = %q", got)
		}
		return rec.reset()
	}
	existing := statements("alice2", "alice@example.com")
	pending := statements("carol2", "carol@example.com")
	fresh := statements("dave", "dave@example.com")

	t.Run("SameSequence", func(t *testing.T) {
		if len(existing) == 0 {
			t.Fatal("no statements recorded")
		}
		if !slices.Equal(existing, fresh) || !slices.Equal(existing, pending) {
			t.Errorf("statements differ:\nexisting %q\npending  %q\nnew      %q", existing, pending, fresh)
		}
	})
	t.Run("AddressNotLookedUp", func(t *testing.T) {
		for _, q := range existing {
			if strings.Contains(q, "pending_signups") || strings.Contains(q, "users") && strings.Contains(q, "email") {
				t.Errorf("the request looks the address up before answering: %s", q)
			}
		}
	})
}

// TestSignUpNotice: an address that has an account gets a notice, not a link: what happened, that
// nothing changed, and the links to sign in and to reset the password. The account stays as it was.
func TestSignUpNotice(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, signUp(t, env, "mallory", "alice@example.com", "mallorys-password-1"))

	m := mail(t, env, 1)
	wantAlternative(t, m)
	if m.To[0] != "alice@example.com" || !strings.Contains(m.Parsed.Subject, "tried to create") {
		t.Errorf("mail to %v, subject %q", m.To, m.Parsed.Subject)
	}
	base := env.App.Config.Account.FrontendURL
	for name, body := range map[string]string{"text": m.Parsed.Text, "html": m.Parsed.HTML} {
		flat := strings.Join(strings.Fields(body), " ")
		for _, want := range []string{"Hi alice,", "already has one", "No new account was created", base + "/login", base + "/forgot-password", "Latchkey"} {
			if !strings.Contains(flat, want) {
				t.Errorf("%s part lacks %q", name, want)
			}
		}
		if strings.Contains(body, "mallory") || strings.Contains(body, apptest.VerifyPath) {
			t.Errorf("%s part names the other sign-up or carries a link that creates an account", name)
		}
	}
	t.Run("AccountUnchanged", func(t *testing.T) {
		env.Login(t, "alice@example.com", "first-password-1")
		wantError(t, login(t, env, "alice@example.com", "mallorys-password-1"), "UNAUTHENTICATED", "", "")
		if n := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM pending_signups`); n != 0 {
			t.Errorf("%d pending sign-ups for an address with an account", n)
		}
	})
}

// TestSignUpMailLimitsPerAddress: the mails a stranger can cause by signing up are limited per
// address, silently, like reset mail: a notice spends the account's reset-mail allowance (and
// the other way round), and links to a new address have the same limits of their own.
func TestSignUpMailLimitsPerAddress(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	first := signUp(t, env, "someone", "bob@example.com", "first-password-1")
	request := func(tb testing.TB, email string, wantMails int) {
		tb.Helper()
		r := signUp(tb, env, "someone", email, "first-password-1")
		if !bytes.Equal(r.Body, first.Body) {
			tb.Errorf("answer differs:\n%s\n%s", r.Body, first.Body)
		}
		env.Flush(tb)
		if n := env.SMTP.Count(); n != wantMails {
			tb.Errorf("%d mails sent, want %d", n, wantMails)
		}
	}
	env.Flush(t)
	env.Clock.Advance(time.Hour) // bob's first link is out of the way
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		t.Run(email, func(t *testing.T) {
			sent := env.SMTP.Count()
			request(t, email, sent+1)
			sent++
			env.Clock.Advance(59 * time.Second)
			request(t, email, sent) // too soon
			env.Clock.Advance(2 * time.Second)
			request(t, email, sent+1)
			env.Clock.Advance(61 * time.Second)
			request(t, email, sent+2)
			env.Clock.Advance(61 * time.Second)
			request(t, email, sent+2) // the fourth in the hour
			env.Clock.Advance(time.Hour)
			request(t, email, sent+3)
		})
	}
	t.Run("NoticeSpendsTheResetAllowance", func(t *testing.T) {
		env.Clock.Advance(2 * time.Hour)
		request(t, "alice@example.com", env.SMTP.Count()+1)
		sent := env.SMTP.Count()
		wantOK(t, forgot(t, env, "alice@example.com"))
		env.Flush(t)
		if n := env.SMTP.Count(); n != sent {
			t.Error("a reset mail went out at once after a sign-up notice")
		}
	})
}

// TestSignUpInput: signUp refuses what register refuses, with the same codes and fields, before
// anything is queued; a taken username says so, as usernames are public.
func TestSignUpInput(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	for _, tc := range []struct{ name, username, email, password, field string }{
		{"ErrUsernameTaken", "Alice", "new@example.com", "first-password-1", "username"},
		{"ErrUsernameInvalid", "a b", "new@example.com", "first-password-1", "username"},
		{"ErrEmailInvalid", "newone", "not-an-address", "first-password-1", "email"},
		{"ErrPasswordShort", "newone", "new@example.com", "short", "password"},
		{"ErrPasswordCommon", "newone", "new@example.com", "password123", "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, signUp(t, env, tc.username, tc.email, tc.password), "BAD_USER_INPUT", tc.field, "")
		})
	}
	if n := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM mail_outbox`); n != 0 {
		t.Errorf("%d requests queued by refused sign-ups", n)
	}
	t.Run("ErrTwoInOneRequest", func(t *testing.T) {
		r := env.Query(t, "", `mutation{a:signUp(input:{username:"x1x",email:"x1@example.com",password:"first-password-1"}){message}
			b:signUp(input:{username:"x2x",email:"x2@example.com",password:"first-password-1"}){message}}`, nil)
		wantNotRun(t, r, "ONE_PASSWORD_OPERATION")
	})
}

// TestSignUpSharesRegisterAllowance: signUp spends the client's register allowance.
func TestSignUpSharesRegisterAllowance(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing, Env: map[string]string{
		"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_REGISTER_PER_MINUTE": "3",
	}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	for i := range 2 {
		wantOK(t, signUp(t, env, fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@example.com", i), "first-password-1"))
	}
	wantRateLimited(t, signUp(t, env, "user9", "user9@example.com", "first-password-1"))
	wantRateLimited(t, env.Query(t, "", apptest.RegisterMutation, map[string]any{"u": "user8", "e": "user8@example.com", "p": "first-password-1"}))
}
