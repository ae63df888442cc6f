package contract_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
)

func register(tb testing.TB, env *apptest.Env, username, email, password string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, "", apptest.RegisterMutation, map[string]any{"u": username, "e": email, "p": password})
}

func TestRegister(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	db := env.OpenDB(t)

	t.Run("OK", func(t *testing.T) {
		before := env.Clock.Now()
		s := env.Register(t, "alice", "  Alice@Example.COM ", "first-password-1")
		if s.TokenType != "Bearer" || s.AccessToken == "" {
			t.Errorf("session = %+v, want a Bearer token", s)
		}
		if s.User.Username != "alice" || s.User.Email != "alice@example.com" {
			t.Errorf("user = %+v, want alice with the email lower-cased", s.User)
		}
		if want := before.Add(30 * time.Minute); s.ExpiresAt.Before(want.Add(-time.Minute)) || s.ExpiresAt.After(want.Add(time.Minute)) {
			t.Errorf("expiresAt = %v, want about %v (ACCESS_TOKEN_EXPIRE_MINUTES=30)", s.ExpiresAt, want)
		}
		if got := meEmail(t, env, s.AccessToken); got != "alice@example.com" {
			t.Errorf("me.email = %q", got)
		}
	})

	t.Run("EmailStoredLowerCased", func(t *testing.T) {
		var stored, hash string
		if err := db.QueryRow(`SELECT email, password_hash FROM users WHERE username = 'alice'`).Scan(&stored, &hash); err != nil {
			t.Fatal(err)
		}
		if stored != "alice@example.com" {
			t.Errorf("users.email = %q, want alice@example.com", stored)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$") {
			t.Errorf("password_hash = %q, want an argon2id PHC string", hash)
		}
		if bytes.Contains(env.DBFiles(t), []byte("first-password-1")) {
			t.Error("the password itself is in the database file")
		}
	})

	t.Run("ErrDuplicateEmailAnyCase", func(t *testing.T) {
		r := register(t, env, "alice2", "ALICE@example.com", "another-password-2")
		wantError(t, r, "BAD_USER_INPUT", "email", "")
	})

	t.Run("ErrDuplicateUsername", func(t *testing.T) {
		r := register(t, env, "alice", "other@example.com", "another-password-2")
		wantError(t, r, "BAD_USER_INPUT", "username", "")
	})

	for _, tc := range []struct {
		name, username, email, password string
		field, message                  string
	}{
		{"ErrEmailMalformed", "bob", "not-an-email", "bob-password-1", "email", ""},
		{"ErrEmailWithDisplayName", "bob", "Bob <bob@example.com>", "bob-password-1", "email", ""},
		{"ErrEmailEmpty", "bob", "", "bob-password-1", "email", ""},
		{"ErrUsernameTooShort", "bo", "bob@example.com", "bob-password-1", "username", ""},
		{"ErrUsernameInvalidCharacters", "bob smith", "bob@example.com", "bob-password-1", "username", ""},
		{"ErrPasswordTooShort", "bob", "bob@example.com", "short-7", "password", "Password must be at least 8 characters"},
		{"ErrPasswordTooShortInCharacters", "bob", "bob@example.com", strings.Repeat("é", 7), "password", "Password must be at least 8 characters"},
		{"ErrPasswordTooLong", "bob", "bob@example.com", strings.Repeat("x1", 64) + "y", "password", "Password must be at most 128 characters"},
		{"ErrPasswordTooLongInCharacters", "bob", "bob@example.com", strings.Repeat("🔑", 129), "password", "Password must be at most 128 characters"},
		{"ErrPasswordCommon", "bob", "bob@example.com", "password", "password", ""},
		{"ErrPasswordCommonAnyCase", "bob", "bob@example.com", "PassWord1", "password", ""},
		{"ErrPasswordOneCharacterRepeated", "bob", "bob@example.com", "zzzzzzzzzzzz", "password", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := register(t, env, tc.username, tc.email, tc.password)
			e := wantError(t, r, "BAD_USER_INPUT", tc.field, tc.message)
			if e.Message == "" {
				t.Error("empty message")
			}
		})
	}

	t.Run("NothingStoredOnFailure", func(t *testing.T) {
		if n := count(t, db, `SELECT COUNT(*) FROM users`); n != 1 {
			t.Errorf("%d users, want only alice", n)
		}
	})

	t.Run("LengthCountsCharactersNotBytes", func(t *testing.T) {
		// 8 characters in 16 bytes, and 128 characters in 512 bytes: both are fine.
		env.Register(t, "carol", "carol@example.com", strings.Repeat("é", 4)+"çàüö")
		env.Register(t, "dave", "dave@example.com", strings.Repeat("🔑", 127)+"x")
	})
}

func TestRegisterPasswordMinLength(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"PASSWORD_MIN_LENGTH": "15"}})

	t.Run("ErrShorterThanSetting", func(t *testing.T) {
		r := register(t, env, "alice", "alice@example.com", "fourteen-chars")
		wantError(t, r, "BAD_USER_INPUT", "password", "Password must be at least 15 characters")
	})
	t.Run("OK", func(t *testing.T) {
		env.Register(t, "alice", "alice@example.com", "fifteen-chars-1")
	})
}
