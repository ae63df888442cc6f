package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/database"
	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/outbox"
)

// replica is one server's outbox on a shared database, its clock off by skew.
type replica struct {
	box  *outbox.Outbox
	db   *ent.Client
	skew time.Duration
}

// deliveries counts the mails handed to Deliver by recipient, across replicas.
type deliveries struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *deliveries) deliver(_ context.Context, m *ent.OutboxMail) error {
	time.Sleep(20 * time.Millisecond) // a send: longer than any lease read off the slow clock lasts
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n[m.Recipient]++
	return nil
}

func (d *deliveries) count() (mails, sends int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.n {
		sends += n
	}
	return len(d.n), sends
}

func startReplica(tb testing.TB, url string, skew time.Duration, d *deliveries) *replica {
	tb.Helper()
	db, err := database.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	clock := func() time.Time { return time.Now().Add(skew) }
	box, err := outbox.New(db.Client, outbox.Options{Senders: 4, Lease: time.Second, PollInterval: 5 * time.Millisecond}, outbox.Hooks{
		Deliver: d.deliver,
		Now:     clock,
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		tb.Fatal(err)
	}
	box.SetHostClock(clock) // the whole host is off, not only the rules' clock
	return &replica{box: box, db: db.Client, skew: skew}
}

func (r *replica) run(tb testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.box.Run(ctx) })
	tb.Cleanup(func() { cancel(); wg.Wait() })
}

// add queues mails as the rules do, stamped with the replica's own clock.
func (r *replica) add(tb testing.TB, prefix string, n int) {
	tb.Helper()
	for i := range n {
		now := time.Now().Add(r.skew)
		err := r.box.Add(context.Background(), r.db.OutboxMail.Create().
			SetKind(outboxmail.KindPasswordChanged).SetRecipient(fmt.Sprintf("%s%03d@example.com", prefix, i)).
			SetRequestedAt(now).SetNextAttemptAt(now))
		if err != nil {
			tb.Fatal(err)
		}
	}
	r.box.Wake()
}

// TestSkewedReplicas: two replicas whose clocks are ten minutes apart share one database (on
// PostgreSQL too with TEST_DATABASE_URL). A mail the fast one queues is due at once for the
// slow one, and with both sending, each mail is delivered exactly once, though every send
// outlasts a lease the slow replica would have read off its own clock.
func TestSkewedReplicas(t *testing.T) {
	url := apptest.FreshDatabase(t)
	d := &deliveries{n: map[string]int{}}
	slow := startReplica(t, url, -5*time.Minute, d)
	fast := startReplica(t, url, 5*time.Minute, d)

	slow.run(t)
	t.Run("OKQueuedByFastDueAtOnce", func(t *testing.T) {
		done, stop := context.WithCancel(context.Background())
		stop()
		fast.box.Run(done) // one round, as at start-up: it reads the database's clock
		fast.add(t, "early", 10)
		waitUntil(t, "the slow replica to send what the fast one queued", func() bool {
			mails, _ := d.count()
			return mails == 10
		})
	})

	fast.run(t)
	t.Run("OKEachMailOnce", func(t *testing.T) {
		slow.add(t, "shared", 100)
		waitUntil(t, "both replicas to send every mail", func() bool {
			return slow.db.OutboxMail.Query().CountX(context.Background()) == 0
		})
		if mails, sends := d.count(); mails != 110 || sends != 110 {
			t.Errorf("%d sends of %d mails, want each of 110 once", sends, mails)
		}
	})
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("waited 20s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
