package outbox

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver

	"latchkey/ent"
	"latchkey/ent/enttest"
	"latchkey/ent/outboxmail"
)

// openDB opens a fresh SQLite file; open it again with reopen for a second worker, as a
// replica would.
func openDB(tb testing.TB) (db *ent.Client, reopen func() *ent.Client) {
	tb.Helper()
	url := "file:" + filepath.Join(tb.TempDir(), "outbox.db") + "?_fk=1&_busy_timeout=10000&_journal_mode=WAL"
	reopen = func() *ent.Client {
		c := enttest.Open(tb, "sqlite3", url)
		tb.Cleanup(func() { c.Close() })
		return c
	}
	return reopen(), reopen
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Microsecond)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder is a Deliver and an Observe that remember what they were told.
type recorder struct {
	mu        sync.Mutex
	delivered map[int]int // mail id -> times handed to Deliver
	events    []string    // "event" or "event final"
	fail      func(m *ent.OutboxMail) error
}

func (r *recorder) deliver(_ context.Context, m *ent.OutboxMail) error {
	r.mu.Lock()
	if r.delivered == nil {
		r.delivered = map[int]int{}
	}
	r.delivered[m.ID]++
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail(m)
	}
	return nil
}

func (r *recorder) observe(_ *ent.OutboxMail, event string, final bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if final {
		event += " final"
	}
	r.events = append(r.events, event)
}

func (r *recorder) times(id int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delivered[id]
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// logBuffer is a log that tests read while workers write it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newOutbox returns an outbox on db that delivers to r, with its log.
func newOutbox(tb testing.TB, db *ent.Client, opts Options, r *recorder, c *clock) (*Outbox, *logBuffer) {
	tb.Helper()
	if opts.Senders == 0 {
		opts.Senders = 4
	}
	if opts.Lease == 0 {
		opts.Lease = time.Minute
	}
	logs := &logBuffer{}
	o, err := New(db, opts, Hooks{
		Deliver: r.deliver,
		Observe: r.observe,
		Now:     c.Now,
		Log:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return o, logs
}

// queue adds a due mail of kind for to, requested at at.
func queue(tb testing.TB, db *ent.Client, kind outboxmail.Kind, to string, at time.Time) int {
	tb.Helper()
	return db.OutboxMail.Create().SetKind(kind).SetRecipient(to).SetRequestedAt(at).SetNextAttemptAt(at).
		SaveX(context.Background()).ID
}

// flush runs o on a done context: it sends what is due and returns once every send is over.
func flush(o *Outbox) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o.Run(ctx)
}

// start runs o until the test ends.
func start(tb testing.TB, o *Outbox) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { o.Run(ctx) })
	tb.Cleanup(func() { cancel(); wg.Wait() })
}

// waitFor polls cond, failing the test after 10 s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func rows(tb testing.TB, db *ent.Client) int {
	tb.Helper()
	return db.OutboxMail.Query().CountX(context.Background())
}

func TestNew(t *testing.T) {
	deliver := func(context.Context, *ent.OutboxMail) error { return nil }
	tests := []struct {
		name string
		opts Options
		h    Hooks
		ok   bool
	}{
		{"OK", Options{Senders: 1, Lease: time.Second}, Hooks{Deliver: deliver}, true},
		{"ErrNoSenders", Options{Lease: time.Second}, Hooks{Deliver: deliver}, false},
		{"ErrNoLease", Options{Senders: 1}, Hooks{Deliver: deliver}, false},
		{"ErrNoDeliver", Options{Senders: 1, Lease: time.Second}, Hooks{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(nil, tt.opts, tt.h); (err == nil) != tt.ok {
				t.Errorf("New = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// TestClaimExclusive: two workers on one database, as two replicas, each with several
// senders, hand every mail to Deliver exactly once.
func TestClaimExclusive(t *testing.T) {
	db, reopen := openDB(t)
	c := newClock()
	var r recorder
	ids := make([]int, 200)
	for i := range ids {
		ids[i] = queue(t, db, outboxmail.KindPasswordReset, fmt.Sprintf("r%03d@example.com", i), c.Now())
	}
	a, _ := newOutbox(t, db, Options{PollInterval: 5 * time.Millisecond}, &r, c)
	b, _ := newOutbox(t, reopen(), Options{PollInterval: 5 * time.Millisecond}, &r, c)
	start(t, a)
	start(t, b)
	waitFor(t, "the outbox to empty", func() bool { return rows(t, db) == 0 })
	for _, id := range ids {
		if n := r.times(id); n != 1 {
			t.Errorf("mail %d handed to Deliver %d times, want once", id, n)
		}
	}
}

// TestLeaseRenewedForSlowSend: a send that outlasts the lease keeps renewing it, so that another
// worker, looking all the while, never takes the mail over.
func TestLeaseRenewedForSlowSend(t *testing.T) {
	db, reopen := openDB(t)
	c := newClock()
	release := make(chan struct{})
	r := recorder{fail: func(*ent.OutboxMail) error { <-release; return nil }}
	id := queue(t, db, outboxmail.KindPasswordReset, "ada@example.com", c.Now())
	slow, _ := newOutbox(t, db, Options{Senders: 1, Lease: 30 * time.Millisecond, PollInterval: 5 * time.Millisecond}, &r, c)
	other, _ := newOutbox(t, reopen(), Options{Lease: 30 * time.Millisecond, PollInterval: 5 * time.Millisecond}, &r, c)
	start(t, slow)
	waitFor(t, "the send to start", func() bool { return r.times(id) == 1 })
	start(t, other)
	first := *db.OutboxMail.GetX(context.Background(), id).LockedUntil
	for range 10 { // ten leases' worth of time, the clock moving as it would
		time.Sleep(30 * time.Millisecond)
		c.Advance(30 * time.Millisecond)
	}
	if m := db.OutboxMail.GetX(context.Background(), id); m.LockedUntil == nil || !m.LockedUntil.After(first) {
		t.Errorf("lease %v, want renewed past %v", m.LockedUntil, first)
	}
	close(release)
	waitFor(t, "the outbox to empty", func() bool { return rows(t, db) == 0 })
	if n := r.times(id); n != 1 {
		t.Errorf("the slow mail was handed to Deliver %d times, want once", n)
	}
}

// TestDrain: on a done context, Run sends everything that is due, more than its senders at
// once, and returns only when every send is over; a send in flight when ctx ends is finished
// on a context that is not cancelled.
func TestDrain(t *testing.T) {
	t.Run("OKEverythingDue", func(t *testing.T) {
		db, _ := openDB(t)
		c := newClock()
		r := recorder{fail: func(*ent.OutboxMail) error { time.Sleep(5 * time.Millisecond); return nil }}
		for i := range 10 {
			queue(t, db, outboxmail.KindPasswordChanged, fmt.Sprintf("r%d@example.com", i), c.Now())
		}
		queue(t, db, outboxmail.KindPasswordChanged, "later@example.com", c.Now().Add(time.Minute))
		o, _ := newOutbox(t, db, Options{Senders: 2}, &r, c)
		flush(o)
		if n := rows(t, db); n != 1 {
			t.Errorf("%d mails left, want only the one not yet due", n)
		}
	})
	t.Run("OKSendInFlightFinished", func(t *testing.T) {
		db, _ := openDB(t)
		c := newClock()
		started, release := make(chan struct{}), make(chan struct{})
		var sendErr error
		queue(t, db, outboxmail.KindPasswordChanged, "ada@example.com", c.Now())
		o, _ := newOutbox(t, db, Options{}, &recorder{}, c)
		o.hooks.Deliver = func(ctx context.Context, m *ent.OutboxMail) error {
			close(started)
			<-release
			sendErr = ctx.Err()
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { o.Run(ctx); close(done) }()
		<-started
		cancel()
		select {
		case <-done:
			t.Fatal("Run returned with a send in flight")
		case <-time.After(50 * time.Millisecond):
		}
		close(release)
		<-done
		if sendErr != nil || rows(t, db) != 0 {
			t.Errorf("send saw %v, %d mails left; want an uncancelled send and an empty outbox", sendErr, rows(t, db))
		}
	})
}

// TestWake: Wake has the worker look at once, not at its next poll an hour away.
func TestWake(t *testing.T) {
	db, _ := openDB(t)
	c := newClock()
	var r recorder
	o, _ := newOutbox(t, db, Options{PollInterval: time.Hour}, &r, c)
	start(t, o)
	time.Sleep(20 * time.Millisecond) // past the first round, which found nothing
	id := queue(t, db, outboxmail.KindPasswordChanged, "ada@example.com", c.Now())
	o.Wake()
	waitFor(t, "the woken worker to send", func() bool { return r.times(id) == 1 })
}

// TestTakeSkipsRowChangedSinceRead: a row changed since it was read (accepted by Settle, or a
// change folded into it) is not taken stale; it is taken afresh in the next claim.
func TestTakeSkipsRowChangedSinceRead(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	c := newClock()
	o, _ := newOutbox(t, db, Options{}, &recorder{}, c)
	accepted := queue(t, db, outboxmail.KindPasswordReset, "ada@example.com", c.Now())
	folded := queue(t, db, outboxmail.KindPasswordChanged, "bob@example.com", c.Now())
	stale := db.OutboxMail.Query().Order(outboxmail.ByID()).AllX(ctx)
	db.OutboxMail.UpdateOneID(accepted).SetAccepted(true).ExecX(ctx)
	db.OutboxMail.UpdateOneID(folded).AddChangeCount(1).ExecX(ctx)

	if got := o.take(ctx, stale, c.Now()); len(got) != 0 {
		t.Fatalf("took %d stale rows", len(got))
	}
	got := o.claim(ctx, 2, nil)
	if len(got) != 2 || !got[0].Accepted || got[1].ChangeCount != 2 {
		t.Errorf("claim = %+v, want both rows as they are now", got)
	}
}

// TestUnclaimed matches rows without a lease and rows whose lease ran out, not held ones.
func TestUnclaimed(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	c := newClock()
	o, _ := newOutbox(t, db, Options{}, &recorder{}, c)
	free := queue(t, db, outboxmail.KindPasswordReset, "a@example.com", c.Now())
	expired := queue(t, db, outboxmail.KindPasswordReset, "b@example.com", c.Now())
	held := queue(t, db, outboxmail.KindPasswordReset, "c@example.com", c.Now())
	db.OutboxMail.UpdateOneID(expired).SetLockedUntil(c.Now().Add(-time.Second)).ExecX(ctx)
	db.OutboxMail.UpdateOneID(held).SetLockedUntil(c.Now().Add(time.Second)).ExecX(ctx)
	got := db.OutboxMail.Query().Where(o.Unclaimed()).Order(outboxmail.ByID()).IDsX(ctx)
	if len(got) != 2 || got[0] != free || got[1] != expired {
		t.Errorf("unclaimed = %v, want %d and %d", got, free, expired)
	}
}
