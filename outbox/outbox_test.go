package outbox

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
)

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
	t.Run("OKHungSendAbandonedAtDrainTimeout", func(t *testing.T) {
		db, _ := openDB(t)
		c := newClock()
		id := queue(t, db, outboxmail.KindPasswordChanged, "ada@example.com", c.Now())
		o, _ := newOutbox(t, db, Options{DrainTimeout: 100 * time.Millisecond}, &recorder{}, c)
		o.hooks.Deliver = func(ctx context.Context, m *ent.OutboxMail) error {
			<-ctx.Done() // a mail server that never answers: only the end of ctx stops it
			return ctx.Err()
		}
		done := make(chan struct{})
		go func() { flush(o); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run still waiting for a hung send 5 s after a drain of 100 ms")
		}
		m := db.OutboxMail.GetX(context.Background(), id)
		if m.LockedUntil == nil || !m.LockedUntil.After(c.Now()) || m.Attempts != 0 {
			t.Errorf("abandoned mail: lease %v, attempts %d; want it kept under its lease, untried", m.LockedUntil, m.Attempts)
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
	got := o.claim(ctx, 2, nil, math.MaxInt)
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
