package outbox

import (
	"bytes"
	"context"
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
