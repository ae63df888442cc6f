package outbox

import (
	"context"
	"math"
	"sync"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/predicate"
)

// worker is one Run: its senders and the slots they hold.
type worker struct {
	o     *Outbox
	work  context.Context // the sends' context: it ends when the drain abandons them
	slots chan struct{}
	wg    sync.WaitGroup

	// Undecided rows of SettleKind after this id are the sweep's, which settles them in batches:
	// claimed one by one, each would cost the writer a claim and a delete of its own.
	swept int

	mu      sync.Mutex
	sending map[int]bool // mails being sent; never claimed again, even should the clock jump past their lease
}

func (w *worker) busyIDs() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]int, 0, len(w.sending))
	for id := range w.sending {
		ids = append(ids, id)
	}
	return ids
}

func (w *worker) setSending(id int, on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if on {
		w.sending[id] = true
	} else {
		delete(w.sending, id)
	}
}

// start claims due mail for every free sender and starts sending it, until nothing is due or
// until ends. It reports whether due mail may be left because every sender is busy.
func (w *worker) start(until context.Context) (busy bool) {
	work := w.work // a send, once started, goes on past until, as long as the drain lets it
	for until.Err() == nil {
		free := cap(w.slots) - len(w.slots)
		if free == 0 {
			return true
		}
		n, probe := w.o.relay.claimable(free, time.Now())
		if n == 0 {
			return false // the mail server is down: the next probe's time wakes no one, the poll does
		}
		claimed := w.o.claim(work, n, w.busyIDs(), w.swept)
		if probe && len(claimed) == 0 {
			w.o.relay.unclaimed()
		}
		for _, c := range claimed {
			w.slots <- struct{}{}
			w.setSending(c.ID, true)
			w.wg.Go(func() {
				defer func() {
					w.setSending(c.ID, false)
					<-w.slots
					w.o.Wake() // a sender is free: look again for due mail
				}()
				w.o.deliver(work, c, probe)
			})
		}
		if len(claimed) < n || probe {
			return false
		}
	}
	return false
}

// abandonGrace is how long abandoned sends get to wind up: the transport closes their
// connections at once, but a hung database call may not return.
const abandonGrace = 500 * time.Millisecond

// drain starts sends of due mail for at most timeout and waits, within it, for the sends in
// flight; then it abandons those still going.
func (w *worker) drain(timeout time.Duration, abandon context.CancelFunc) {
	w.swept = math.MaxInt // no more sweeps: the senders decide every row
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for w.start(ctx) {
		select {
		case <-w.o.wake:
		case <-ctx.Done():
		}
	}
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	w.o.log.Warn("outbox: shutting down with sends in flight: abandoned, each goes out once its lease runs out",
		"sending", len(w.busyIDs()), "lease", w.o.opts.Lease.String())
	abandon()
	t := time.NewTimer(abandonGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// claimedMail is a mail this worker holds until lease, unless it renews it.
type claimedMail struct {
	*ent.OutboxMail
	lease time.Time
}

// claim takes up to n due mails, other than those in skip and the undecided rows of SettleKind
// after the id swept, with a conditional update, so that two workers, in this process or
// another replica, never take the same one.
func (o *Outbox) claim(ctx context.Context, n int, skip []int, swept int) []claimedMail {
	if err := o.syncClock(ctx); err != nil {
		o.log.ErrorContext(ctx, "outbox: read the database's clock", "error", err)
		return nil
	}
	now := o.now()
	due, err := o.db.OutboxMail.Query().
		Where(o.claimable(now, skip, swept)...).
		Order(outboxmail.ByNextAttemptAt(), outboxmail.ByID()). // walks the next_attempt_at index, no sort
		Limit(n).
		All(ctx)
	if err != nil {
		o.log.ErrorContext(ctx, "outbox: look for due mail", "error", err)
		return nil
	}
	o.progress.mark()
	return o.take(ctx, due, now)
}

func (o *Outbox) claimable(now time.Time, skip []int, swept int) []predicate.OutboxMail {
	where := []predicate.OutboxMail{outboxmail.NextAttemptAtLTE(now), unclaimed(now), outboxmail.IDNotIn(skip...)}
	if o.hooks.Settle != nil && swept != math.MaxInt {
		where = append(where, outboxmail.Or(outboxmail.KindNEQ(o.hooks.SettleKind), outboxmail.Accepted(true), outboxmail.IDLTE(swept)))
	}
	return where
}

// take claims the mails of due that are still as they were read. One may have changed since,
// by the two writes made to unclaimed rows: Settle accepted it (taken stale, Deliver would
// decide it again), or a change was folded into it (change_count). Left, it is read afresh.
func (o *Outbox) take(ctx context.Context, due []*ent.OutboxMail, now time.Time) []claimedMail {
	until := leaseEnd(now, o.opts.Lease)
	var claimed []claimedMail
	for _, m := range due {
		n, err := o.db.OutboxMail.Update().
			Where(outboxmail.ID(m.ID), unclaimed(now), outboxmail.Accepted(m.Accepted), outboxmail.ChangeCount(m.ChangeCount)).
			SetLockedUntil(until).
			Save(ctx)
		if err != nil {
			o.log.ErrorContext(ctx, "outbox: claim mail", "mail_id", m.ID, "error", err)
			continue
		}
		if n == 1 {
			claimed = append(claimed, claimedMail{m, until})
		}
	}
	return claimed
}

// leaseEnd is rounded to the microsecond so that it compares equal after a round trip through
// any database (PostgreSQL keeps microseconds).
func leaseEnd(now time.Time, lease time.Duration) time.Time {
	return now.Add(lease).Truncate(time.Microsecond)
}

// deliver hands one claimed mail to Deliver, then deletes it, releases it or schedules the next try.
func (o *Outbox) deliver(ctx context.Context, m claimedMail, probe bool) {
	stop := o.keepLease(ctx, m)
	err := o.hooks.Deliver(ctx, m.OutboxMail)
	o.noteRelay(ctx, probe, err)
	if err == nil {
		o.hooks.Observe(m.OutboxMail, eventSent, true)
		o.deleteSent(ctx, m.ID) // under the lease, still renewed: nobody sends the mail again meanwhile
		stop()
		return
	}
	held := stop()
	switch {
	case ctx.Err() != nil:
		// Abandoned at shutdown: the row keeps its lease, then goes out from whoever claims it.
		o.log.DebugContext(ctx, "outbox: send abandoned", "mail_id", m.ID, "error", err)
	case skipped(err):
		o.log.DebugContext(ctx, "outbox: mail decided elsewhere, released for another look", "mail_id", m.ID, "error", err)
		o.release(ctx, m.ID, held)
	default:
		o.hooks.Observe(m.OutboxMail, eventFailed, false)
		o.retryLater(ctx, m.OutboxMail, err)
	}
}

// Waits between two tries of deleting a sent mail's row.
const (
	deleteRetryFirst = 100 * time.Millisecond
	deleteRetryMax   = 5 * time.Second
)

// deleteSent deletes the row of a mail that went out, trying again with backoff until it
// sticks: a row left behind would be sent again when its lease ends, with a new token that
// voids the link the user already has. Only ctx ending stops it.
func (o *Outbox) deleteSent(ctx context.Context, id int) {
	wait := deleteRetryFirst
	for try := 1; ; try++ {
		err := o.db.OutboxMail.DeleteOneID(id).Exec(ctx)
		if err == nil || ent.IsNotFound(err) {
			if try > 1 {
				o.log.InfoContext(ctx, "outbox: sent mail's row deleted at last", "mail_id", id, "tries", try)
			}
			return
		}
		if try == 1 {
			o.log.WarnContext(ctx, "outbox: cannot delete sent mail's row; trying until it sticks", "mail_id", id, "error", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			o.log.ErrorContext(ctx, "outbox: gave up deleting sent mail's row: it goes out again when its lease ends", "mail_id", id, "error", err)
			return
		case <-t.C:
		}
		wait = min(2*wait, deleteRetryMax)
	}
}

// release gives a mail back as it was, unless the lease was lost to another worker meanwhile.
func (o *Outbox) release(ctx context.Context, id int, held time.Time) {
	err := o.db.OutboxMail.Update().
		Where(outboxmail.ID(id), outboxmail.LockedUntil(held)).
		ClearLockedUntil().
		Exec(ctx)
	if err != nil {
		o.log.ErrorContext(ctx, "outbox: release mail", "mail_id", id, "error", err)
	}
}

// keepLease renews the claim on m until stop is called, so that a send slower than the lease
// is never taken over and sent twice: the lease only runs out when this process is gone. stop
// returns the lease last written.
func (o *Outbox) keepLease(ctx context.Context, m claimedMail) (stop func() time.Time) {
	done := make(chan struct{})
	held := m.lease
	var wg sync.WaitGroup
	wg.Go(func() {
		lease := o.opts.Lease
		t := time.NewTicker(max(lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			next := leaseEnd(o.now(), lease)
			n, err := o.db.OutboxMail.Update().
				Where(outboxmail.ID(m.ID), outboxmail.LockedUntil(held)).
				SetLockedUntil(next).
				Save(ctx)
			switch {
			case err != nil:
				o.log.WarnContext(ctx, "outbox: renew lease", "mail_id", m.ID, "error", err)
			case n == 0:
				o.log.WarnContext(ctx, "outbox: lease lost while sending; the mail may go out twice", "mail_id", m.ID)
				return
			default:
				held = next
			}
		}
	})
	return func() time.Time {
		close(done)
		wg.Wait()
		return held
	}
}
