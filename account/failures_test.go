package account

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/enttest"
)

func newFailureStore(t *testing.T, limit int) (*failureStore, *fakeClock) {
	t.Helper()
	// A file, not shared-cache memory: concurrent writers then wait for each other instead of failing.
	db := enttest.Open(t, "sqlite3", "file:"+filepath.Join(t.TempDir(), "f.db")+"?_fk=1&_busy_timeout=10000&_journal_mode=WAL&_txlock=immediate")
	t.Cleanup(func() { db.Close() })
	clock := newFakeClock()
	return &failureStore{db: db, now: clock.Now, limit: limit}, clock
}

func TestFailureStore(t *testing.T) {
	ctx := context.Background()
	f, clock := newFailureStore(t, DefaultThrottleEntries)
	keys := []string{keyClient + "x", keyAccount + "acct"}
	fail := func(tb testing.TB, n int) {
		tb.Helper()
		for i := range n {
			wait, err := f.begin(ctx, "acct", keys)
			if err != nil || wait != 0 {
				tb.Fatalf("attempt %d: wait %v, err %v", i+1, wait, err)
			}
			if err := f.failed(ctx, "acct", keys); err != nil {
				tb.Fatal(err)
			}
		}
	}
	wait := func() time.Duration {
		w, err := f.begin(ctx, "acct", keys)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	fail(t, 5)
	t.Run("SixthWaits", func(t *testing.T) {
		if w := wait(); w != time.Second {
			t.Errorf("wait = %v, want 1s", w)
		}
	})
	t.Run("RefusedAttemptDoesNotCount", func(t *testing.T) {
		clock.Advance(time.Second)
		fail(t, 1)
		if w := wait(); w != 2*time.Second {
			t.Errorf("wait = %v, want 2s after six failures", w)
		}
	})
	t.Run("Capped", func(t *testing.T) {
		for range 20 {
			clock.Advance(time.Minute)
			fail(t, 1)
		}
		if w := wait(); w != time.Minute {
			t.Errorf("wait = %v, want the one-minute cap", w)
		}
	})
	t.Run("OtherKeysFree", func(t *testing.T) {
		if w, err := f.begin(ctx, "other", []string{keyClient + "y", keyAccount + "other"}); w != 0 || err != nil {
			t.Errorf("wait = %v, err %v", w, err)
		}
	})
	t.Run("SuccessForgets", func(t *testing.T) {
		clock.Advance(time.Minute)
		if w := wait(); w != 0 {
			t.Fatalf("wait = %v after the delay", w)
		}
		if err := f.succeeded(ctx, keys); err != nil {
			t.Fatal(err)
		}
		fail(t, 5)
	})
	t.Run("ClearAccountForgetsEveryClient", func(t *testing.T) {
		if err := f.clearAccount(ctx, "acct"); err != nil {
			t.Fatal(err)
		}
		fail(t, 5)
	})
	t.Run("ForgottenAfterQuarterHour", func(t *testing.T) {
		clock.Advance(15 * time.Minute)
		fail(t, 5)
	})
}

// TestFailureStoreConcurrentGuesses: guesses sent all at once are counted as they start, so no
// more than five get through before the delay applies.
func TestFailureStoreConcurrentGuesses(t *testing.T) {
	f, _ := newFailureStore(t, DefaultThrottleEntries)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for range 50 {
		wg.Go(func() {
			wait, err := f.begin(context.Background(), "acct", []string{keyClient + "x", keyAccount + "acct"})
			if err != nil {
				t.Error(err)
				return
			}
			if wait == 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 5 {
		t.Errorf("%d of 50 simultaneous guesses allowed, want 5", allowed)
	}
}

// TestFailureStoreBounded: 20 000 distinct failing clients leave at most the limit of entries,
// and the ones kept are the newest.
func TestFailureStoreBounded(t *testing.T) {
	ctx := context.Background()
	const limit = 1000
	f, clock := newFailureStore(t, limit)
	for i := range 20_000 {
		clock.Advance(time.Millisecond)
		k := []string{fmt.Sprintf("%sclient%d", keyClient, i)}
		if _, err := f.begin(ctx, "acct", k); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.db.LoginFailure.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n > limit {
		t.Errorf("%d entries after 20 000 clients, want at most %d", n, limit)
	}
	newest, err := f.db.LoginFailure.Query().Order(ent.Desc("last_failed_at")).First(ctx)
	if err != nil || newest.Key != keyClient+"client19999" {
		t.Errorf("newest entry %v (%v), want the last client's", newest, err)
	}
}
