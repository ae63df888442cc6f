package contract_test

import (
	"strings"
	"testing"

	"latchkey/account"
	"latchkey/app/apptest"
)

func login(tb testing.TB, env *apptest.Env, email, password string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, "", apptest.LoginMutation, map[string]any{"e": email, "p": password})
}

func TestLogin(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	env.Register(t, "alice", "alice@example.com", "first-password-1")

	t.Run("OK", func(t *testing.T) {
		s := env.Login(t, "alice@example.com", "first-password-1")
		if s.TokenType != "Bearer" || s.User.Username != "alice" {
			t.Errorf("session = %+v", s)
		}
		if got := meEmail(t, env, s.AccessToken); got != "alice@example.com" {
			t.Errorf("me.email = %q", got)
		}
	})

	t.Run("EmailAnyCase", func(t *testing.T) {
		env.Login(t, " ALICE@Example.com", "first-password-1")
	})

	t.Run("ErrWrongPasswordSameAsUnknownEmail", func(t *testing.T) {
		wrong := login(t, env, "alice@example.com", "not-her-password")
		unknown := login(t, env, "nobody@example.com", "first-password-1")
		wantError(t, wrong, "UNAUTHENTICATED", "", "Incorrect email or password")
		wantError(t, unknown, "UNAUTHENTICATED", "", "Incorrect email or password")
		sameError(t, wrong, unknown)
		if string(wrong.Body) != string(unknown.Body) {
			t.Errorf("bodies differ:\n%s\n%s", wrong.Body, unknown.Body)
		}
	})

	t.Run("ErrPasswordIsCaseSensitive", func(t *testing.T) {
		r := login(t, env, "alice@example.com", "FIRST-PASSWORD-1")
		wantError(t, r, "UNAUTHENTICATED", "", "Incorrect email or password")
	})

	t.Run("ErrMalformedEmail", func(t *testing.T) {
		r := login(t, env, "not-an-email", "first-password-1")
		wantError(t, r, "UNAUTHENTICATED", "", "Incorrect email or password")
	})

	t.Run("StaleTokenDoesNotBlockLogin", func(t *testing.T) {
		r := env.Query(t, "garbage.token.here", apptest.LoginMutation, map[string]any{"e": "alice@example.com", "p": "first-password-1"})
		wantOK(t, r)
	})
}

var weakArgon2 = account.Argon2Params{Memory: 4096, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func TestLoginUpgradesOldHash(t *testing.T) {
	old := apptest.Start(t, apptest.Setup{Argon2: weakArgon2})
	old.Register(t, "alice", "alice@example.com", "first-password-1")
	storedHash := func(env *apptest.Env) string {
		t.Helper()
		var h string
		if err := env.OpenDB(t).QueryRow(`SELECT password_hash FROM users WHERE email = 'alice@example.com'`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	weak := storedHash(old)
	if !strings.HasPrefix(weak, "$argon2id$v=19$m=4096,t=1,p=1$") {
		t.Fatalf("hash before restart = %q, want the weak parameters", weak)
	}
	old.Stop()

	env := apptest.Start(t, apptest.Setup{DatabaseURL: old.DatabaseURL})

	t.Run("WrongPasswordKeepsHash", func(t *testing.T) {
		wantError(t, login(t, env, "alice@example.com", "wrong-password"), "UNAUTHENTICATED", "", "")
		if got := storedHash(env); got != weak {
			t.Errorf("hash changed after a failed login: %q", got)
		}
	})
	t.Run("UpgradedOnLogin", func(t *testing.T) {
		env.Login(t, "alice@example.com", "first-password-1")
		if got := storedHash(env); !strings.HasPrefix(got, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("hash after login = %q, want the default parameters", got)
		}
	})
	t.Run("PasswordStillWorks", func(t *testing.T) {
		env.Login(t, "alice@example.com", "first-password-1")
	})
}
