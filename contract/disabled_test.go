package contract_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/account"
	"latchkey/app/apptest"
)

// disable disables the account as `server users disable` does, failing the test otherwise.
func disable(tb testing.TB, env *apptest.Env, email string) account.AccountChange {
	tb.Helper()
	c, err := env.App.Accounts.DisableUser(context.Background(), email)
	if err != nil {
		tb.Fatalf("disable %s: %v", email, err)
	}
	return c
}

// TestDisabledAccountSignsInNowhere: a disabled account's login, with the right password or a
// wrong one, is answered byte for byte as an unknown address's, after the same statements (so
// the same work: one dummy hash, no session); its refresh token and access token are refused;
// enabling it lets the password in again.
func TestDisabledAccountSignsInNowhere(t *testing.T) {
	rec := &statementRecorder{}
	env := apptest.Start(t, apptest.Setup{NoWorker: true, WrapDriver: rec.wrap}) // no worker: only requests' statements
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	meEmail(t, env, s.AccessToken) // the session and the user are in the cache now
	if c := disable(t, env, "Alice@Example.com"); !c.Changed || c.SessionsEnded != 1 {
		t.Errorf("disable = %+v, want a change ending 1 session", c)
	}

	t.Run("ErrAccessTokenRefused", func(t *testing.T) {
		wantSignedOut(t, env, s.AccessToken)
	})
	t.Run("ErrRefreshRefused", func(t *testing.T) {
		wantError(t, env.Refresh(t, s.RefreshToken), "UNAUTHENTICATED", "", "")
	})
	t.Run("ErrLoginAsUnknown", func(t *testing.T) {
		login(t, env, "warm-up@example.com", "first-password-1") // the failure table's first count
		rec.reset()
		right := login(t, env, "alice@example.com", "first-password-1")
		rightStmts := rec.reset()
		unknown := login(t, env, "nobody@example.com", "first-password-1")
		unknownStmts := rec.reset()
		wrong := login(t, env, "alice@example.com", "wrong-password-1")
		for name, r := range map[string]*apptest.Response{"right password": right, "wrong password": wrong} {
			if r.Status != unknown.Status || !bytes.Equal(r.Body, unknown.Body) {
				t.Errorf("disabled account, %s, answered differently from an unknown address:\n%s\n%s", name, r.Body, unknown.Body)
			}
		}
		wantError(t, unknown, "UNAUTHENTICATED", "", "Incorrect email or password")
		rightStmts, unknownStmts = requestStatements(rightStmts), requestStatements(unknownStmts)
		if len(rightStmts) == 0 || !slices.Equal(rightStmts, unknownStmts) {
			t.Errorf("statements differ:\ndisabled %q\nunknown  %q", rightStmts, unknownStmts)
		}
	})
	t.Run("ErrFlagAlone", func(t *testing.T) {
		// Set by SQL, as another process would: no session is revoked, no hook of this server
		// runs, so only the flag read with the cached user (at most a second old) refuses.
		b := env.Register(t, "bob", "bob@example.com", "first-password-1")
		meEmail(t, env, b.AccessToken)
		if _, err := env.OpenDB(t).Exec(`UPDATE users SET disabled = $1 WHERE email = 'bob@example.com'`, true); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for env.Query(t, b.AccessToken, apptest.MeQuery, nil).Code() != "UNAUTHENTICATED" {
			if time.Now().After(deadline) {
				t.Fatal("the access token of an account disabled in the database still works after 5 s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		wantError(t, env.Refresh(t, b.RefreshToken), "UNAUTHENTICATED", "", "")
	})
	t.Run("OKEnabledAgain", func(t *testing.T) {
		if _, err := env.App.Accounts.EnableUser(context.Background(), "alice@example.com"); err != nil {
			t.Fatal(err)
		}
		wantSignedOut(t, env, s.AccessToken) // ended sessions stay ended
		meEmail(t, env, env.Login(t, "alice@example.com", "first-password-1").AccessToken)
	})
}

// TestDisabledAccountGetsNoMail: forgotPassword and signUp for a disabled account answer what
// they answer for an unknown address, and are settled as an unknown address's are: nothing sent.
// A verification link asked for before the account was disabled is not sent either.
func TestDisabledAccountGetsNoMail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, env.Query(t, s.AccessToken, apptest.SendVerificationMutation, nil))
	disable(t, env, "alice@example.com")

	forgotDisabled, forgotUnknown := forgot(t, env, "alice@example.com"), forgot(t, env, "nobody@example.com")
	signUpDisabled, signUpUnknown := signUp(t, env, "alice2", "alice@example.com", "another-password-2"), signUp(t, env, "bob", "bob@example.com", "another-password-2")
	for name, pair := range map[string][2]*apptest.Response{"forgotPassword": {forgotDisabled, forgotUnknown}, "signUp": {signUpDisabled, signUpUnknown}} {
		if !bytes.Equal(pair[0].Body, pair[1].Body) {
			t.Errorf("%s answered differently for the disabled account:\n%s\n%s", name, pair[0].Body, pair[1].Body)
		}
	}
	env.Flush(t)
	for _, m := range env.SMTP.Messages() {
		if slices.Contains(m.To, "alice@example.com") {
			t.Errorf("the disabled account was mailed %q", m.Parsed.Subject)
		}
	}
	if n := env.SMTP.Count(); n != 1 { // bob's sign-up link: the worker did run
		t.Errorf("%d mails sent, want only the new address's sign-up link", n)
	}
	db := env.OpenDB(t)
	if n := count(t, db, `SELECT COUNT(*) FROM mail_outbox`); n != 0 {
		t.Errorf("%d mails left in the outbox, want every request settled", n)
	}
}

// TestDisabledAccountLinksStopWorking: disabling deletes the reset and verification links the
// account has; one written after (by a worker that read the account before) is refused too,
// and signs nobody in.
func TestDisabledAccountLinksStopWorking(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	env.Flush(t)
	mailed := env.ResetTokenFromMail(t, 1)
	disable(t, env, "alice@example.com")

	t.Run("ErrMailedResetLink", func(t *testing.T) {
		if c := checkToken(t, env, mailed); c.Valid {
			t.Error("the reset link mailed before disabling still checks valid")
		}
	})
	db := env.OpenDB(t)
	expires := env.Clock.Now().Add(time.Hour).UTC()
	t.Run("ErrResetLinkWrittenAfter", func(t *testing.T) {
		token, hash := account.NewResetToken()
		if _, err := db.Exec(`INSERT INTO password_reset_tokens (token_hash, expires_at, created_at, user_id) VALUES ($1, $2, $3, $4)`,
			hash, expires, expires, s.User.ID); err != nil {
			t.Fatal(err)
		}
		wantError(t, reset(t, env, token, "second-password-2"), "INVALID_RESET_TOKEN", "", "")
	})
	t.Run("ErrVerificationLinkWrittenAfter", func(t *testing.T) {
		token, hash := account.NewResetToken()
		if _, err := db.Exec(`INSERT INTO email_verification_tokens (email, token_hash, expires_at, created_at, user_id) VALUES ($1, $2, $3, $4, $5)`,
			"alice@example.com", hash, expires, expires, s.User.ID); err != nil {
			t.Fatal(err)
		}
		wantError(t, verifyEmail(t, env, token), "INVALID_VERIFICATION_TOKEN", "", "")
	})
	wantError(t, login(t, env, "alice@example.com", "first-password-1"), "UNAUTHENTICATED", "", "")
}

// requestStatements leaves out the readiness probe's, which a timer sends at any moment.
func requestStatements(stmts []string) []string {
	return slices.DeleteFunc(stmts, func(s string) bool { return strings.Contains(s, "readiness_probes") })
}
