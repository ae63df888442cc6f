package account

import (
	"context"
	"maps"
	"slices"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/user"
)

const (
	sweepBatch  = 256                  // reset requests one sweep looks at
	sweepAgain  = time.Second          // how often one batch of older rows is looked at again
	sweepGather = 5 * time.Millisecond // least time between two sweeps
)

// refusedSweeper walks the queue with sweepRefused: each new row once, as it comes, and older
// rows again one batch a second, for those that became refusable since (their account's first
// mail went out). Rows that wait for a sender, while the mail server is slow say, are not read
// again on every wake. Sweeps, and so the worker's rounds, are at least sweepGather apart: under
// a flood, each round settles the requests of those milliseconds together instead of a few.
type refusedSweeper struct {
	newest    int // rows up to this id have been swept once
	rescan    int // where the next look at older rows starts
	rescanned time.Time
	last      time.Time
}

func (w *refusedSweeper) sweep(ctx context.Context, s *Service) {
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
	w.newest = s.sweepRefused(ctx, w.newest)
	if now := time.Now(); now.Sub(w.rescanned) >= sweepAgain {
		w.rescanned = now
		if last := s.sweepRefused(ctx, w.rescan); last > w.rescan && last < w.newest {
			w.rescan = last
		} else {
			w.rescan = 0
		}
	}
}

// sweepRefused deletes, a batch at a time, the reset requests that will send nothing: those for
// an address without an account and those too soon after the account's last mail. A flood of
// forgotPassword is made of them; settled one by one, each cost a claim, a look-up and a delete,
// about what the request itself cost. Here a batch costs one read of the queue, one of the
// accounts and one delete. The requests that may send mail are left for the senders, which check
// the limits again in their transaction. Rows a sender has claimed are never deleted.
//
// A sweep reads the rows after the id after and returns the last id it read.
func (s *Service) sweepRefused(ctx context.Context, after int) (last int) {
	now := s.now()
	free := outboxmail.Or(outboxmail.LockedUntilIsNil(), outboxmail.LockedUntilLT(now))
	queued, err := s.db.OutboxMail.Query().
		Where(outboxmail.IDGT(after), outboxmail.KindEQ(outboxmail.KindPasswordReset), outboxmail.Accepted(false), outboxmail.NextAttemptAtLTE(now), free).
		Order(outboxmail.ByID()).
		Limit(sweepBatch).
		Select(outboxmail.FieldID, outboxmail.FieldRecipient, outboxmail.FieldRequestedAt).
		All(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "outbox: look for refused reset requests", "error", err)
		return after
	}
	if len(queued) == 0 {
		return after
	}
	last = queued[len(queued)-1].ID
	emails := make([]string, 0, len(queued))
	for _, m := range queued {
		emails = append(emails, m.Recipient)
	}
	users, err := s.db.User.Query().Where(user.EmailIn(emails...)).
		Select(user.FieldID, user.FieldEmail, user.FieldLastResetMailAt).
		All(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "outbox: look up reset recipients", "error", err)
		return last
	}
	byEmail := make(map[string]*ent.User, len(users))
	for _, u := range users {
		byEmail[u.Email] = u
	}
	var refused []int
	tooSoon := map[int]int{} // user id -> requests skipped
	for _, m := range queued {
		u := byEmail[m.Recipient]
		switch {
		case u == nil:
			refused = append(refused, m.ID)
		case s.resetTooSoon(u.LastResetMailAt, m.RequestedAt):
			refused = append(refused, m.ID)
			tooSoon[u.ID]++
		}
	}
	if len(refused) == 0 {
		return last
	}
	if _, err := s.db.OutboxMail.Delete().Where(outboxmail.IDIn(refused...), free).Exec(ctx); err != nil {
		s.log.ErrorContext(ctx, "outbox: delete refused reset requests", "error", err)
		return last
	}
	if len(tooSoon) > 0 {
		// One line a sweep, not one a request: under a flood the log would be the flood.
		ids := slices.Sorted(maps.Keys(tooSoon))
		skipped := 0
		for _, n := range tooSoon {
			skipped += n
		}
		s.log.InfoContext(ctx, "reset mails skipped: too soon after the last one", "requests", skipped,
			"accounts", len(ids), "user_ids", ids[:min(len(ids), 20)])
	}
	return last
}
