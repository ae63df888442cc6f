package contract_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
)

const invalidVerification = "Invalid or expired verification link"

// verifiedSession is the part of verifyEmail's session these tests read.
type verifiedSession struct {
	AccessToken string `json:"accessToken"`
	User        struct {
		Username      string `json:"username"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"emailVerified"`
	} `json:"user"`
}

func wantVerified(tb testing.TB, r *apptest.Response) verifiedSession {
	tb.Helper()
	wantOK(tb, r)
	var v verifiedSession
	r.Decode(tb, "verifyEmail", &v)
	return v
}

// TestSignUpLinkCreatesAccount: no account exists until the mailed link is used; then it exists
// with the chosen username and password and a verifiedSession address, and the request is signed in.
// The link works once, and only its SHA-256 was ever stored.
func TestSignUpLinkCreatesAccount(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: map[string]string{"REGISTRATION": "verified"}})
	db := env.OpenDB(t)
	wantOK(t, signUp(t, env, "Bob", "BOB@example.com", "bobs-password-1"))
	token := env.VerifyTokenFromMail(t, 1)

	t.Run("NoAccountBeforeTheLink", func(t *testing.T) {
		if n := count(t, db, `SELECT COUNT(*) FROM users`); n != 0 {
			t.Errorf("%d accounts before the link was used", n)
		}
		wantError(t, login(t, env, "bob@example.com", "bobs-password-1"), "UNAUTHENTICATED", "", "")
	})
	t.Run("OnlyTheHashStored", func(t *testing.T) {
		sum := sha256.Sum256([]byte(token))
		if n := count(t, db, `SELECT COUNT(*) FROM pending_signups WHERE token_hash = ?`, hex.EncodeToString(sum[:])); n != 1 {
			t.Errorf("the pending sign-up does not hold the token's SHA-256")
		}
		for _, table := range []string{"pending_signups", "mail_outbox", "email_verification_tokens"} {
			if n := count(t, db, `SELECT COUNT(*) FROM `+table+` WHERE `+textColumns(table)+` LIKE ?`, "%"+token+"%"); n != 0 {
				t.Errorf("%s holds the token in plain text", table)
			}
		}
	})
	v := wantVerified(t, verifyEmail(t, env, token))
	t.Run("SignedInVerified", func(t *testing.T) {
		if v.User.Username != "Bob" || v.User.Email != "bob@example.com" || !v.User.EmailVerified {
			t.Errorf("user = %+v", v.User)
		}
		if got := meEmail(t, env, v.AccessToken); got != "bob@example.com" {
			t.Errorf("me = %q", got)
		}
		env.Login(t, "bob@example.com", "bobs-password-1")
	})
	t.Run("ErrUsedLink", func(t *testing.T) {
		wantError(t, verifyEmail(t, env, token), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
		if n := count(t, db, `SELECT COUNT(*) FROM users`); n != 1 {
			t.Errorf("%d accounts, want 1", n)
		}
	})
	t.Run("ErrUnknownOrMalformed", func(t *testing.T) {
		for _, bad := range []string{randomToken(t), "", "short", strings.Repeat("A", 43), token + "x"} {
			wantError(t, verifyEmail(t, env, bad), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
		}
	})
	t.Run("ErrOverGET", func(t *testing.T) {
		r := getQuery(t, env, map[string][]string{"query": {apptest.VerifyMutation}, "variables": {`{"t":"` + token + `"}`}}, nil)
		wantRefused(t, r, http.StatusMethodNotAllowed, "BAD_USER_INPUT")
		if got := r.Header.Get("Allow"); got != "POST" {
			t.Errorf("Allow = %q, want POST", got)
		}
	})
}

// textColumns is every text column of table joined for a LIKE over all of them.
func textColumns(table string) string {
	cols := map[string][]string{
		"pending_signups":           {"email", "username", "password_hash", "COALESCE(token_hash, '')"},
		"mail_outbox":               {"recipient", "COALESCE(username, '')", "COALESCE(password_hash, '')", "COALESCE(last_error, '')"},
		"email_verification_tokens": {"email", "token_hash"},
	}[table]
	return strings.Join(cols, " || ")
}

// TestPendingSignUpNeverBlocksOwner: a stranger's sign-up with the owner's address, made first,
// neither keeps the owner from signing up nor from registering at once, and its link dies with the
// owner's newer sign-up, even one whose mail the limits hold back.
func TestPendingSignUpNeverBlocksOwner(t *testing.T) {
	t.Run("NewerSignUpWins", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
		wantOK(t, signUp(t, env, "mallory", "owner@example.com", "mallorys-password-1"))
		strangers := env.VerifyTokenFromMail(t, 1)
		env.Clock.Advance(61 * time.Second)
		wantOK(t, signUp(t, env, "owner", "owner@example.com", "owners-password-1"))
		owners := env.VerifyTokenFromMail(t, 2)

		wantError(t, verifyEmail(t, env, strangers), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
		if v := wantVerified(t, verifyEmail(t, env, owners)); v.User.Username != "owner" {
			t.Errorf("the account is %q's", v.User.Username)
		}
		env.Login(t, "owner@example.com", "owners-password-1")
		wantError(t, login(t, env, "owner@example.com", "mallorys-password-1"), "UNAUTHENTICATED", "", "")
	})
	t.Run("HeldBackSignUpStillVoidsOlderLink", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: quickHashing})
		wantOK(t, signUp(t, env, "mallory", "owner@example.com", "mallorys-password-1"))
		env.Flush(t)
		strangers := env.VerifyTokenFromMail(t, 1)
		env.Clock.Advance(10 * time.Second)
		wantOK(t, signUp(t, env, "owner", "owner@example.com", "owners-password-1"))
		env.Flush(t)
		if n := env.SMTP.Count(); n != 1 {
			t.Fatalf("%d mails, want the first only: the second is too soon", n)
		}
		wantError(t, verifyEmail(t, env, strangers), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)

		env.Clock.Advance(61 * time.Second)
		wantOK(t, signUp(t, env, "owner", "owner@example.com", "owners-password-1"))
		env.Flush(t)
		if v := wantVerified(t, verifyEmail(t, env, env.VerifyTokenFromMail(t, 2))); v.User.Username != "owner" {
			t.Errorf("the account is %q's", v.User.Username)
		}
	})
	t.Run("RegisterAtOnceThenLinkCreatesNothing", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
		wantOK(t, signUp(t, env, "mallory", "owner@example.com", "mallorys-password-1"))
		strangers := env.VerifyTokenFromMail(t, 1)
		env.Register(t, "owner", "owner@example.com", "owners-password-1")

		wantError(t, verifyEmail(t, env, strangers), "INVALID_VERIFICATION_TOKEN", "", "")
		wantError(t, verifyEmail(t, env, strangers), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
		db := env.OpenDB(t)
		if n := count(t, db, `SELECT COUNT(*) FROM users`); n != 1 {
			t.Errorf("%d accounts for one address", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM users WHERE username = 'mallory'`); n != 0 {
			t.Error("the stranger's sign-up made an account")
		}
		env.Login(t, "owner@example.com", "owners-password-1")
	})
}

// TestPendingSignUpReservesNoUsername: a pending sign-up keeps nobody from taking its username;
// its link then says so, stays valid, and works with another username.
func TestPendingSignUpReservesNoUsername(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	wantOK(t, signUp(t, env, "kim", "kim@example.com", "kims-password-1"))
	token := env.VerifyTokenFromMail(t, 1)
	wantOK(t, signUp(t, env, "Kim", "other@example.com", "others-password-1"))
	env.Register(t, "KIM", "third@example.com", "thirds-password-1")

	wantError(t, verifyEmail(t, env, token), "BAD_USER_INPUT", "username", "This username was taken since you signed up: choose another")
	wantError(t, env.Query(t, "", apptest.VerifyMutation, map[string]any{"t": token, "u": "x"}), "BAD_USER_INPUT", "username", "")
	v := wantVerified(t, env.Query(t, "", apptest.VerifyMutation, map[string]any{"t": token, "u": "kim2"}))
	if v.User.Username != "kim2" || v.User.Email != "kim@example.com" {
		t.Errorf("user = %+v", v.User)
	}
	env.Login(t, "kim@example.com", "kims-password-1")
}

// TestSignUpLinkExpires: a link is refused after EMAIL_VERIFICATION_EXPIRE_MINUTES, with the one
// message; the cleanup deletes its pending row, but only once the address's mail limits no
// longer count its mail, so expiring hands no fresh allowance.
func TestSignUpLinkExpires(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: map[string]string{"EMAIL_VERIFICATION_EXPIRE_MINUTES": "5"}})
	db := env.OpenDB(t)
	wantOK(t, signUp(t, env, "bob", "bob@example.com", "bobs-password-1"))
	token := env.VerifyTokenFromMail(t, 1)
	env.Clock.Advance(5*time.Minute + time.Second)
	wantError(t, verifyEmail(t, env, token), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)

	ctx := context.Background()
	env.App.Accounts.DeleteExpiredSignUps(ctx)
	if n := count(t, db, `SELECT COUNT(*) FROM pending_signups`); n != 1 {
		t.Errorf("%d pending sign-ups: the row went while its mail still counts", n)
	}
	env.Clock.Advance(time.Hour)
	env.App.Accounts.DeleteExpiredSignUps(ctx)
	if n := count(t, db, `SELECT COUNT(*) FROM pending_signups`); n != 0 {
		t.Errorf("%d expired pending sign-ups left after the cleanup", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM users`); n != 0 {
		t.Errorf("%d accounts from an expired link", n)
	}
}

// TestVerifyEmailConcurrentSingleUse: thirty verifyEmail calls with one token at the same
// moment make exactly one account; the others are told the link is invalid, none sees an
// internal error.
func TestVerifyEmailConcurrentSingleUse(t *testing.T) {
	const n = 30
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	wantOK(t, signUp(t, env, "bob", "bob@example.com", "bobs-password-1"))
	token := env.VerifyTokenFromMail(t, 1)

	results := allAtOnce(env, n, func(int) call { return call{"", apptest.VerifyMutation, map[string]any{"t": token}} })
	won := 0
	for i, r := range results {
		switch {
		case r.err != nil || r.status != http.StatusOK:
			t.Errorf("call %d: HTTP %d, %v: %s", i, r.status, r.err, r.body)
		case r.code == "":
			won++
		case r.code != "INVALID_VERIFICATION_TOKEN" || !strings.Contains(r.body, invalidVerification):
			// Not even "an account exists since": a loser must find the link spent.
			t.Errorf("call %d: %s: %s", i, r.code, r.body)
		}
	}
	if won != 1 {
		t.Errorf("%d calls succeeded, want exactly 1", won)
	}
	if c := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM users`); c != 1 {
		t.Errorf("%d accounts, want 1", c)
	}
}
