package contract_test

import (
	"sync"
	"testing"
	"time"

	"latchkey/app/apptest"
)

func refreshed(tb testing.TB, env *apptest.Env, refreshToken string) apptest.Session {
	tb.Helper()
	var s apptest.Session
	env.Refresh(tb, refreshToken).Decode(tb, "refreshSession", &s)
	return s
}

func TestRefreshRotates(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	first := env.Register(t, "alice", "alice@example.com", "first-password-1")
	if len(first.RefreshToken) < 43 {
		t.Fatalf("refreshToken = %q, want 256 random bits", first.RefreshToken)
	}
	if want := env.Clock.Now().Add(30 * 24 * time.Hour); first.RefreshExpiresAt.Sub(want).Abs() > time.Minute {
		t.Errorf("refreshExpiresAt = %v, want about %v (REFRESH_TOKEN_EXPIRE_DAYS)", first.RefreshExpiresAt, want)
	}
	env.Clock.Advance(20 * time.Minute)
	second := refreshed(t, env, first.RefreshToken)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refreshSession answered the old tokens")
	}
	if second.TokenType != "Bearer" || second.User.Email != "alice@example.com" || second.User.ID != first.User.ID {
		t.Errorf("refreshed session = %+v", second)
	}
	if !second.ExpiresAt.After(first.ExpiresAt) || !second.RefreshExpiresAt.After(first.RefreshExpiresAt) {
		t.Errorf("expiries did not move on: access %v -> %v, refresh %v -> %v", first.ExpiresAt, second.ExpiresAt, first.RefreshExpiresAt, second.RefreshExpiresAt)
	}
	if got := meEmail(t, env, second.AccessToken); got != "alice@example.com" {
		t.Errorf("me with the refreshed token = %q", got)
	}
	// Both access tokens are of one session: the old one keeps working until it expires.
	meEmail(t, env, first.AccessToken)
	third := refreshed(t, env, second.RefreshToken)
	meEmail(t, env, third.AccessToken)

	t.Run("ErrUnknownOrMalformed", func(t *testing.T) {
		for _, token := range []string{"", "x", first.AccessToken, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
			wantError(t, env.Refresh(t, token), "UNAUTHENTICATED", "", "")
		}
	})
}

// TestRefreshReuseEndsTheSession: a used refresh token presented after the grace interval is a
// stolen copy, and the whole session ends: its newest refresh token and its access tokens.
func TestRefreshReuseEndsTheSession(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	first := env.Register(t, "alice", "alice@example.com", "first-password-1")
	other := env.Login(t, "alice@example.com", "first-password-1")
	second := refreshed(t, env, first.RefreshToken)
	third := refreshed(t, env, second.RefreshToken)
	env.Clock.Advance(11 * time.Second) // past REFRESH_REUSE_GRACE_SECONDS

	wantError(t, env.Refresh(t, first.RefreshToken), "UNAUTHENTICATED", "", "") // two generations back
	wantError(t, env.Refresh(t, third.RefreshToken), "UNAUTHENTICATED", "", "")
	wantSignedOut(t, env, third.AccessToken)
	wantSignedOut(t, env, first.AccessToken)
	if got := meEmail(t, env, other.AccessToken); got != "alice@example.com" {
		t.Errorf("another session of the account ended too: me = %q", got)
	}
	refreshed(t, env, other.RefreshToken)
}

// TestRefreshGraceAnswersTwiceAlike: two tabs refreshing with one token at once both get the
// same new tokens, and the session lives on.
func TestRefreshGraceAnswersTwiceAlike(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	first := env.Register(t, "alice", "alice@example.com", "first-password-1")
	var answers [2]apptest.Session
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i] = refreshed(t, env, first.RefreshToken) })
	}
	wg.Wait()
	a, b := answers[0], answers[1]
	if a.RefreshToken != b.RefreshToken || a.AccessToken != b.AccessToken || !a.ExpiresAt.Equal(b.ExpiresAt) {
		t.Fatalf("two refreshes at once got different pairs:\n%+v\n%+v", a, b)
	}
	env.Clock.Advance(5 * time.Second) // still within the grace interval
	if again := refreshed(t, env, first.RefreshToken); again.RefreshToken != a.RefreshToken {
		t.Fatal("a third use within the grace interval got another pair")
	}
	next := refreshed(t, env, a.RefreshToken)
	meEmail(t, env, next.AccessToken)

	t.Run("ErrAfterTheSuccessorWasUsed", func(t *testing.T) {
		// Within the grace interval still, but the pair it would get is spent: reuse.
		wantError(t, env.Refresh(t, first.RefreshToken), "UNAUTHENTICATED", "", "")
		wantSignedOut(t, env, next.AccessToken)
	})
}

func TestRefreshExpiry(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"REFRESH_TOKEN_EXPIRE_DAYS": "10", "SESSION_MAX_DAYS": "25"}})
	t.Run("ErrIdle", func(t *testing.T) {
		s := env.Register(t, "idle", "idle@example.com", "first-password-1")
		env.Clock.Advance(10*24*time.Hour + time.Minute)
		wantError(t, env.Refresh(t, s.RefreshToken), "UNAUTHENTICATED", "", "")
	})
	t.Run("ErrAbsolute", func(t *testing.T) {
		s := env.Register(t, "busy", "busy@example.com", "first-password-1")
		start := env.Clock.Now()
		for range 2 { // each refresh moves the idle expiry on, never past the cap
			env.Clock.Advance(9 * 24 * time.Hour)
			s = refreshed(t, env, s.RefreshToken)
		}
		if capAt := start.Add(25 * 24 * time.Hour); s.RefreshExpiresAt.After(capAt.Add(time.Second)) {
			t.Errorf("refreshExpiresAt = %v, past SESSION_MAX_DAYS (%v)", s.RefreshExpiresAt, capAt)
		}
		if capAt := start.Add(25 * 24 * time.Hour); s.ExpiresAt.After(capAt.Add(time.Second)) {
			t.Errorf("expiresAt = %v, past SESSION_MAX_DAYS (%v)", s.ExpiresAt, capAt)
		}
		env.Clock.Advance(7*24*time.Hour + time.Minute) // 25 days and a minute in: idle only 7 days
		wantError(t, env.Refresh(t, s.RefreshToken), "UNAUTHENTICATED", "", "")
	})
}
