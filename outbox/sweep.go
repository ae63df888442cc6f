package outbox

import (
	"context"
	"time"

	"latchkey/ent/outboxmail"
)

const (
	sweepBatch  = 256                  // rows one call of Settle is handed
	sweepAgain  = time.Second          // how often one batch of older rows is looked at again
	sweepGather = 5 * time.Millisecond // least time between two sweeps
)

// sweeper walks the undecided rows with Settle: each new row once, as it comes, and older rows
// again one batch a second, for those whose fate Settle could not decide yet (a sender or
// another replica got to them first). Rows that wait for a sender, while the mail server is
// slow say, are not read again on every wake. Sweeps, and so the worker's rounds, are at least
// sweepGather apart: under a flood, each round settles the requests of those milliseconds together.
type sweeper struct {
	newest    int // rows up to this id have been swept once
	rescan    int // where the next look at older rows starts
	rescanned time.Time
	last      time.Time
}

func (w *sweeper) sweep(ctx context.Context, o *Outbox) {
	if wait := sweepGather - time.Since(w.last); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	if ctx.Err() != nil {
		return
	}
	ctx = context.WithoutCancel(ctx) // a sweep begun is finished
	w.last = time.Now()
	w.newest = o.settle(ctx, w.newest)
	if now := time.Now(); now.Sub(w.rescanned) >= sweepAgain {
		w.rescanned = now
		if last := o.settle(ctx, w.rescan); last > w.rescan && last < w.newest {
			w.rescan = last
		} else {
			w.rescan = 0
		}
	}
}

// settle hands Settle one batch of the undecided rows after the id after, and returns the last
// id it read. Settling them one by one, each would cost a claim, a look-up and a delete.
func (o *Outbox) settle(ctx context.Context, after int) (last int) {
	now := o.now()
	rows, err := o.db.OutboxMail.Query().
		Where(outboxmail.IDGT(after), outboxmail.KindEQ(o.hooks.SettleKind), outboxmail.Accepted(false), outboxmail.NextAttemptAtLTE(now), unclaimed(now)).
		Order(outboxmail.ByID()).
		Limit(sweepBatch).
		Select(outboxmail.FieldID, outboxmail.FieldRecipient, outboxmail.FieldRequestedAt).
		All(ctx)
	if err != nil {
		o.log.ErrorContext(ctx, "outbox: look for undecided mail", "error", err)
		return after
	}
	if len(rows) == 0 {
		return after
	}
	o.hooks.Settle(ctx, rows)
	return rows[len(rows)-1].ID
}
