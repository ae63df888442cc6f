package pgnotify_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"latchkey/database/pgnotify"
)

// TestStalledConnection: a connection gone silent is no longer trusted within Staleness plus
// an Interval, long before TCP would notice; when it speaks again OnGap runs before trust
// returns, and what was committed during the stall is heard.
func TestStalledConnection(t *testing.T) {
	dsn := freshDSN(t)
	viaProxy, proxy := through(t, dsn)
	logs := &syncBuffer{}
	opts := pgnotify.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}
	l := watch(t, viaProxy, opts)
	db := writer(t, dsn)
	trustedAfterGap(t, l, 0, 5*time.Second)

	time.Sleep(rand.N(150 * time.Millisecond)) // so that the stall begins anywhere between two pings
	proxy.Stall()
	stalled := time.Now()
	eventually(t, 500*time.Millisecond+150*time.Millisecond, "untrusted after the stall", func() bool {
		return !l.w.Trusted()
	})
	t.Logf("untrusted %v after the stall began", time.Since(stalled).Round(time.Millisecond))
	send(t, db, "during")
	gaps := l.gapCount(t)

	proxy.Resume()
	trustedAfterGap(t, l, gaps, 5*time.Second)
	eventually(t, 5*time.Second, "the notification of the stall is heard", func() bool { return l.heard("during") })
	send(t, db, "after")
	eventually(t, 5*time.Second, "a later notification is heard", func() bool { return l.heard("after") })

	// One line when trust came, one when it went, one when it came back: none per ping.
	if got := logs.String(); strings.Count(got, "level=WARN") != 1 || strings.Count(got, "level=INFO") != 2 {
		t.Fatalf("logs:\n%s", got)
	}
}

// TestResetConnection: a connection reset is dialled again, with LISTEN and OnGap, and later
// notifications are heard on the new one.
func TestResetConnection(t *testing.T) {
	dsn := freshDSN(t)
	viaProxy, proxy := through(t, dsn)
	l := watch(t, viaProxy, pgnotify.Options{})
	db := writer(t, dsn)
	trustedAfterGap(t, l, 0, 5*time.Second)

	for round := range 2 {
		gaps := l.gapCount(t)
		proxy.Reset()
		// Trust may outlive the reset by up to Staleness: it is the gap that shows the redial.
		eventually(t, 5*time.Second, "OnGap after the reset", func() bool { return l.gapCount(t) > gaps })
		trustedAfterGap(t, l, gaps, 5*time.Second)
		payload := fmt.Sprintf("after reset %d", round)
		send(t, db, payload)
		eventually(t, 5*time.Second, "a notification on the new connection", func() bool { return l.heard(payload) })
	}
}

// TestSlowLink: over a link slower than Staleness, every ping is answered and every
// notification arrives, late; the watcher is not trusted at any moment, since what is in
// flight could be a revocation.
func TestSlowLink(t *testing.T) {
	dsn := freshDSN(t)
	viaProxy, proxy := through(t, dsn)
	l := watch(t, viaProxy, pgnotify.Options{Staleness: 200 * time.Millisecond, Interval: 50 * time.Millisecond})
	db := writer(t, dsn)
	trustedAfterGap(t, l, 0, 5*time.Second)

	proxy.Delay(150 * time.Millisecond) // each way: a round trip takes over 300 ms
	// Heard behind the answers to pings sent before the delay, which may still be fresh.
	send(t, db, "slow")
	eventually(t, 5*time.Second, "a notification over the slow link", func() bool { return l.heard("slow") })
	eventually(t, 2*time.Second, "untrusted on the slow link", func() bool { return !l.w.Trusted() })
	gaps := l.gapCount(t)
	// Several round trips' worth, marked by notifications heard one after the other.
	for i := range 5 {
		payload := fmt.Sprintf("slow %d", i)
		send(t, db, payload)
		eventually(t, 5*time.Second, "a notification over the slow link", func() bool {
			if l.w.Trusted() {
				t.Fatal("trusted over a link slower than Staleness")
			}
			return l.heard(payload)
		})
	}
	if got := l.gapCount(t); got != gaps {
		t.Fatalf("OnGap ran %d times on the slow link: a late answer proves nothing to flush for", got-gaps)
	}
	proxy.Delay(0)
	trustedAfterGap(t, l, gaps, 5*time.Second)
}

// TestCloseWhileStalled: Close returns promptly while a ping waits on a silent connection,
// without waiting for the ping's Timeout.
func TestCloseWhileStalled(t *testing.T) {
	dsn := freshDSN(t)
	viaProxy, proxy := through(t, dsn)
	l := watch(t, viaProxy, pgnotify.Options{Timeout: 30 * time.Second})
	trustedAfterGap(t, l, 0, 5*time.Second)

	proxy.Stall()
	eventually(t, 5*time.Second, "untrusted after the stall", func() bool { return !l.w.Trusted() })
	start := time.Now()
	done := make(chan struct{})
	go func() { _ = l.w.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Close has not returned within a second")
	}
	t.Logf("Close returned in %v", time.Since(start).Round(time.Millisecond))
	if l.w.Trusted() {
		t.Fatal("trusted after Close")
	}
}

// syncBuffer is a log a test reads while the watcher writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestWatchErrors: Watch reports what keeps it from starting, and never quotes a password.
func TestWatchErrors(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, dsn string
		opts      pgnotify.Options
	}{
		{"ErrNoServer", "postgres://postgres:hunter2@127.0.0.1:1/x?sslmode=disable", pgnotify.Options{}},
		{"ErrBadURL", "postgres://postgres:hunter2@127.0.0.1:5432/x?sslmode=nonsense", pgnotify.Options{}},
		{"ErrInterval", "postgres://127.0.0.1/x", pgnotify.Options{Staleness: time.Second, Interval: time.Second}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := pgnotify.Watch(ctx, c.dsn, channel, c.opts)
			if err == nil {
				_ = w.Close()
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error quotes the password: %v", err)
			}
		})
	}
}
