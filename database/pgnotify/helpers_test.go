package pgnotify_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver of the writers

	"latchkey/app/apptest"
	"latchkey/database/pgnotify"
)

const channel = "latchkey_test"

// freshDSN is a new PostgreSQL database for this test; without TEST_DATABASE_URL it skips.
func freshDSN(tb testing.TB) string {
	tb.Helper()
	if apptest.PostgresURL() == "" {
		tb.Skip("LISTEN/NOTIFY needs PostgreSQL: set TEST_DATABASE_URL")
	}
	return apptest.FreshDatabase(tb)
}

// through returns dsn reached through a proxy that can misbehave.
func through(tb testing.TB, dsn string) (string, *apptest.Proxy) {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	p := apptest.StartProxy(tb, u.Host)
	u.Host = p.Addr()
	return u.String(), p
}

// writer is a pool of the kind the server writes through.
func writer(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// send commits one notification.
func send(tb testing.TB, db *sql.DB, payload string) {
	tb.Helper()
	if err := pgnotify.Notify(context.Background(), db, channel, payload); err != nil {
		tb.Fatal(err)
	}
}

// listener is a Watcher with what it has heard.
type listener struct {
	w *pgnotify.Watcher

	mu       sync.Mutex
	payloads []string
	gaps     int
	// gapWhileTrusted counts OnGap calls made while Trusted held: the cache would be flushed
	// after being trusted, not before.
	gapWhileTrusted int
}

// watch starts a Watcher on dsn, closed when the test ends.
func watch(tb testing.TB, dsn string, opts pgnotify.Options) *listener {
	tb.Helper()
	l := &listener{}
	var w atomic.Pointer[pgnotify.Watcher]
	opts.OnNotify = func(p string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.payloads = append(l.payloads, p)
	}
	opts.OnGap = func() {
		trusted := w.Load() != nil && w.Load().Trusted()
		l.mu.Lock()
		defer l.mu.Unlock()
		l.gaps++
		if trusted {
			l.gapWhileTrusted++
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	watcher, err := pgnotify.Watch(ctx, dsn, channel, opts)
	if err != nil {
		tb.Fatalf("watch: %v", err)
	}
	w.Store(watcher)
	l.w = watcher
	tb.Cleanup(func() { _ = watcher.Close() })
	return l
}

func (l *listener) heard(payload string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.payloads, payload)
}

func (l *listener) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.payloads)
}

// gapCount is how many times OnGap ran; it fails the test if one ran while Trusted held.
func (l *listener) gapCount(tb testing.TB) int {
	tb.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gapWhileTrusted > 0 {
		tb.Fatalf("OnGap ran %d times while Trusted held", l.gapWhileTrusted)
	}
	return l.gaps
}

// eventually polls cond until it holds, and fails the test if it does not within d.
func eventually(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// trustedAfterGap waits until l is trusted again, and checks that OnGap ran first.
func trustedAfterGap(tb testing.TB, l *listener, gapsBefore int, d time.Duration) {
	tb.Helper()
	eventually(tb, d, "trusted again", func() bool {
		if !l.w.Trusted() {
			return false
		}
		if got := l.gapCount(tb); got <= gapsBefore {
			tb.Fatalf("trusted again with %d OnGap calls, as many as before the lapse", got)
		}
		return true
	})
}
