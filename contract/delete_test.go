package contract_test

import (
	"testing"

	"latchkey/app/apptest"
)

func deleteAccount(tb testing.TB, env *apptest.Env, token, password string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, token, apptest.DeleteMutation, map[string]any{"p": password})
}

func TestDeleteAccount(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	db := env.OpenDB(t)
	// Alice is the newest account, so her id would be the next one handed out if ids were reused.
	env.Register(t, "bob", "bob@example.com", "bob-password-1")
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	resetToken := env.ResetTokenFromMail(t, 1)
	wantOK(t, forgot(t, env, "bob@example.com"))
	bobToken := env.ResetTokenFromMail(t, 2)

	t.Run("ErrWithoutToken", func(t *testing.T) {
		wantError(t, deleteAccount(t, env, "", "first-password-1"), "UNAUTHENTICATED", "", "")
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		wantError(t, deleteAccount(t, env, s.AccessToken, "not-my-password"), "BAD_USER_INPUT", "password", "Current password is incorrect")
		meEmail(t, env, s.AccessToken)
	})

	t.Run("OK", func(t *testing.T) {
		if got := message(t, deleteAccount(t, env, s.AccessToken, "first-password-1"), "deleteAccount"); got != "Your account has been deleted." {
			t.Errorf("message = %q", got)
		}
	})
	t.Run("UserAndResetTokensGone", func(t *testing.T) {
		if n := count(t, db, `SELECT COUNT(*) FROM users WHERE email = 'alice@example.com'`); n != 0 {
			t.Errorf("%d users left", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM password_reset_tokens WHERE user_id = ?`, s.User.ID); n != 0 {
			t.Errorf("%d reset tokens left", n)
		}
	})
	t.Run("OthersUntouched", func(t *testing.T) {
		if n := count(t, db, `SELECT COUNT(*) FROM password_reset_tokens`); n != 1 {
			t.Errorf("%d reset tokens, want bob's", n)
		}
		if !checkToken(t, env, bobToken).Valid {
			t.Error("bob's reset token went with alice's account")
		}
		env.Login(t, "bob@example.com", "bob-password-1")
	})
	t.Run("TokenFails", func(t *testing.T) {
		wantSignedOut(t, env, s.AccessToken)
		wantError(t, deleteAccount(t, env, s.AccessToken, "first-password-1"), "UNAUTHENTICATED", "", "")
	})
	t.Run("ResetTokenFails", func(t *testing.T) {
		if checkToken(t, env, resetToken).Valid {
			t.Error("reset token of a deleted account still valid")
		}
		wantError(t, reset(t, env, resetToken, "second-password-2"), "INVALID_RESET_TOKEN", "", "Invalid or expired reset token")
	})
	t.Run("LoginFailsLikeUnknownEmail", func(t *testing.T) {
		sameError(t, login(t, env, "alice@example.com", "first-password-1"), login(t, env, "nobody@example.com", "first-password-1"))
	})
	t.Run("EmailAndUsernameFreeAgain", func(t *testing.T) {
		again := env.Register(t, "alice", "alice@example.com", "fresh-password-4")
		if again.User.ID == s.User.ID {
			t.Errorf("the new account reuses id %s", again.User.ID)
		}
	})
	t.Run("OldTokenDoesNotOpenNewAccount", func(t *testing.T) {
		wantSignedOut(t, env, s.AccessToken)
	})
}
