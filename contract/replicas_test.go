package contract_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/database/pgnotify"
)

// twoReplicas starts two servers on one PostgreSQL database whose caches keep entries for an
// hour, so that only notifications (or their absence) decide what the second one believes.
func twoReplicas(t *testing.T) (a, b *apptest.Env) {
	t.Helper()
	if apptest.PostgresURL() == "" {
		t.Skip("replicas share a PostgreSQL database: set TEST_DATABASE_URL")
	}
	a = apptest.Start(t, apptest.Setup{CacheTTL: time.Hour})
	b = apptest.Start(t, apptest.Setup{CacheTTL: time.Hour, DatabaseURL: a.DatabaseURL})
	return a, b
}

// refusedWithin polls me on env with token until it is UNAUTHENTICATED, and returns how long
// that took, failing the test after limit.
func refusedWithin(t *testing.T, env *apptest.Env, token string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r := env.Query(t, token, apptest.MeQuery, nil)
		if r.Code() == "UNAUTHENTICATED" {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("the other replica still accepts a revoked session after %v: %s", limit, r.Body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRevocationReachesOtherReplicas: a session revoked on one replica is refused by the other
// within a second, though the other had it cached.
func TestRevocationReachesOtherReplicas(t *testing.T) {
	a, b := twoReplicas(t)
	for _, scope := range []string{"THIS", "OTHERS"} {
		t.Run(scope, func(t *testing.T) {
			email := "alice-" + scope + "@example.com"
			mine := a.Register(t, "alice"+scope, email, "first-password-1")
			other := b.Login(t, email, "first-password-1")
			victim := map[string]apptest.Session{"THIS": mine, "OTHERS": other}[scope]
			meEmail(t, b, victim.AccessToken) // now cached on b
			meEmail(t, b, victim.AccessToken)
			wantOK(t, signOut(t, a, mine.AccessToken, scope))
			t.Logf("refused by the other replica after %v", refusedWithin(t, b, victim.AccessToken, time.Second))
		})
	}
	t.Run("PasswordChange", func(t *testing.T) {
		s := a.Register(t, "carol", "carol@example.com", "first-password-1")
		meEmail(t, b, s.AccessToken)
		wantOK(t, changePassword(t, b, s.AccessToken, "first-password-1", "second-password-2"))
		refusedWithin(t, a, s.AccessToken, time.Second)
	})
}

// TestLostListenerFallsBackToTheDatabase: while the listening connection is gone, notifications
// are missed; the replica must not trust its cache then, and empties it before trusting again.
func TestLostListenerFallsBackToTheDatabase(t *testing.T) {
	a, b := twoReplicas(t)
	s := a.Register(t, "alice", "alice@example.com", "first-password-1")
	other := a.Login(t, "alice@example.com", "first-password-1")
	meEmail(t, b, s.AccessToken) // cached on b

	admin := a.OpenDB(t)
	terminated := 0
	rows, err := admin.QueryContext(context.Background(),
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
		pgnotify.ApplicationName)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		terminated++
	}
	rows.Close()
	if terminated != 2 {
		t.Fatalf("terminated %d listening connections, want both replicas'", terminated)
	}
	wantOK(t, signOut(t, a, other.AccessToken, "OTHERS")) // b may not be listening now
	// Once b trusts its cache again, the entry it had must be gone.
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(b.Logs(), "notifications are trusted") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the second replica did not listen again:\n%s", b.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	wantSignedOut(t, b, s.AccessToken)

	// And once listening again, notifications work as before.
	fresh := a.Login(t, "alice@example.com", "first-password-1")
	meEmail(t, b, fresh.AccessToken)
	wantOK(t, signOut(t, a, other.AccessToken, "OTHERS"))
	refusedWithin(t, b, fresh.AccessToken, time.Second)
}
