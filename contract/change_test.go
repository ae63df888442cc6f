package contract_test

import (
	"slices"
	"testing"
	"time"

	"latchkey/app/apptest"
)

func changePassword(tb testing.TB, env *apptest.Env, token, current, next string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, token, apptest.ChangeMutation, map[string]any{"c": current, "n": next})
}

func TestChangePassword(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"APP_NAME": "Acme Keys"}})
	mine := env.Register(t, "alice", "alice@example.com", "first-password-1")
	other := env.Login(t, "alice@example.com", "first-password-1") // another device
	wantOK(t, forgot(t, env, "alice@example.com"))
	resetToken := env.ResetTokenFromMail(t, 1)

	t.Run("ErrWithoutToken", func(t *testing.T) {
		wantError(t, changePassword(t, env, "", "first-password-1", "second-password-2"), "UNAUTHENTICATED", "", "")
	})
	t.Run("ErrWrongCurrentPassword", func(t *testing.T) {
		r := changePassword(t, env, mine.AccessToken, "not-my-password", "second-password-2")
		wantError(t, r, "BAD_USER_INPUT", "currentPassword", "Current password is incorrect")
		meEmail(t, env, mine.AccessToken)
		env.Login(t, "alice@example.com", "first-password-1")
	})
	t.Run("ErrWeakNewPassword", func(t *testing.T) {
		wantError(t, changePassword(t, env, mine.AccessToken, "first-password-1", "iloveyou"), "BAD_USER_INPUT", "newPassword", "")
		wantError(t, changePassword(t, env, mine.AccessToken, "first-password-1", "short"), "BAD_USER_INPUT", "newPassword", "Password must be at least 8 characters")
		meEmail(t, env, mine.AccessToken)
	})

	before := env.Clock.Now()
	r := changePassword(t, env, mine.AccessToken, "first-password-1", "second-password-2")
	wantOK(t, r)
	var payload struct {
		Message string
		Session apptest.Session
	}
	r.Decode(t, "changePassword", &payload)

	t.Run("OK", func(t *testing.T) {
		if payload.Message != "Your password has been changed." {
			t.Errorf("message = %q", payload.Message)
		}
		if payload.Session.AccessToken == "" || payload.Session.AccessToken == mine.AccessToken {
			t.Fatalf("session = %+v, want a fresh token", payload.Session)
		}
		if want := before.Add(30 * time.Minute); payload.Session.ExpiresAt.Before(want.Add(-time.Minute)) || payload.Session.ExpiresAt.After(want.Add(time.Minute)) {
			t.Errorf("expiresAt = %v, want about %v", payload.Session.ExpiresAt, want)
		}
	})
	t.Run("FreshSessionWorks", func(t *testing.T) {
		if got := meEmail(t, env, payload.Session.AccessToken); got != "alice@example.com" {
			t.Errorf("me.email = %q", got)
		}
	})
	t.Run("OlderSessionsRevoked", func(t *testing.T) {
		wantSignedOut(t, env, mine.AccessToken)
		wantSignedOut(t, env, other.AccessToken)
	})
	t.Run("ResetTokenRevoked", func(t *testing.T) {
		if checkToken(t, env, resetToken).Valid {
			t.Error("reset token from before the change still valid")
		}
		wantError(t, reset(t, env, resetToken, "third-password-3"), "INVALID_RESET_TOKEN", "", "Invalid or expired reset token")
	})
	t.Run("NewPasswordWorksOldDoesNot", func(t *testing.T) {
		env.Login(t, "alice@example.com", "second-password-2")
		wantError(t, login(t, env, "alice@example.com", "first-password-1"), "UNAUTHENTICATED", "", "Incorrect email or password")
	})
	t.Run("ChangedMail", func(t *testing.T) {
		m := mail(t, env, 2)
		if m.Parsed.Subject != "Your Acme Keys password was changed" || !slices.Equal(m.To, []string{"alice@example.com"}) {
			t.Errorf("mail 2: %q to %v", m.Parsed.Subject, m.To)
		}
		wantAlternative(t, m)
	})
	t.Run("ErrFreshSessionNeedsNewPassword", func(t *testing.T) {
		r := changePassword(t, env, payload.Session.AccessToken, "first-password-1", "third-password-3")
		wantError(t, r, "BAD_USER_INPUT", "currentPassword", "Current password is incorrect")
	})
}
