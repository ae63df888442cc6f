package account

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
// rows again one batch a second, for those whose account changed since (a sender or another
// replica got to it first). Rows that wait for a sender, while the mail server is slow say, are
// not read again on every wake. Sweeps, and so the worker's rounds, are at least sweepGather
// apart: under a flood, each round settles the requests of those milliseconds together.
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

// sweepRefused settles, a batch at a time, the reset requests of a queue that senders cannot keep
// up with: under a flood of forgotPassword, or while the mail server is slow. Requests for an
// address without an account, and those the account's limits refuse, are deleted: settled one by
// one, each cost a claim, a look-up and a delete, about what the request itself cost. Of the rest,
// each account's earliest request is counted against its limits at once and marked accepted, so
// that the account's later requests are refused here too instead of waiting, possibly for
// minutes, behind mail that is slow to go out. Accepted requests are left for the senders. Rows a
// sender has claimed, or another replica's sweep accepted, are never deleted.
//
// A sweep reads the rows after the id after and returns the last id it read.
func (s *Service) sweepRefused(ctx context.Context, after int) (last int) {
	now := s.now()
	queued, err := s.db.OutboxMail.Query().
		Where(outboxmail.IDGT(after), outboxmail.KindEQ(outboxmail.KindPasswordReset), outboxmail.Accepted(false), outboxmail.NextAttemptAtLTE(now), unclaimed(now)).
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
		Select(user.FieldID, user.FieldEmail, user.FieldLastResetMailAt, user.FieldResetMailWindowStart, user.FieldResetMailsInWindow).
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
	perAccount := map[*ent.User][]*ent.OutboxMail{}
	for _, m := range queued {
		if u := byEmail[m.Recipient]; u == nil {
			refused = append(refused, m.ID)
		} else {
			perAccount[u] = append(perAccount[u], m)
		}
	}
	limited := map[int]int{} // user id -> requests refused by the account's limits
	for _, u := range users {
		requests := perAccount[u]
		slices.SortFunc(requests, func(a, b *ent.OutboxMail) int {
			return cmp.Or(a.RequestedAt.Compare(b.RequestedAt), cmp.Compare(a.ID, b.ID))
		})
		for _, m := range requests {
			if s.resetRefused(u, m.RequestedAt) {
				refused = append(refused, m.ID)
				limited[u.ID]++
				continue
			}
			if !s.acceptQueued(ctx, u, m, now) {
				break // the rest is left for a later sweep or a sender, which check again
			}
		}
	}
	if len(refused) == 0 {
		return last
	}
	n, err := s.db.OutboxMail.Delete().Where(outboxmail.IDIn(refused...), outboxmail.Accepted(false), unclaimed(now)).Exec(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "outbox: delete refused reset requests", "error", err)
		return last
	}
	for range n {
		s.countProcessed()
	}
	if len(limited) > 0 {
		// One line a sweep, not one a request: under a flood the log would be the flood.
		ids := slices.Sorted(maps.Keys(limited))
		skipped := 0
		for _, n := range limited {
			skipped += n
		}
		s.log.InfoContext(ctx, "reset mails skipped: too soon after the last one or over the hourly limit", "requests", skipped,
			"accounts", len(ids), "user_ids", ids[:min(len(ids), 20)])
	}
	return last
}

// errNotFree: a sender claimed the request, or another sweep accepted it, first.
var errNotFree = errors.New("reset request claimed or accepted meanwhile")

// acceptQueued counts an unclaimed reset request against u's limits ahead of its send and marks
// it accepted, updating u to match. It reports false when a sender or another replica got to the
// request or the account first.
func (s *Service) acceptQueued(ctx context.Context, u *ent.User, m *ent.OutboxMail, now time.Time) bool {
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		n, err := tx.OutboxMail.Update().
			Where(outboxmail.ID(m.ID), outboxmail.Accepted(false), unclaimed(now)).
			SetAccepted(true).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("accept reset request: %w", err)
		}
		if n != 1 {
			return errNotFree
		}
		return s.recordResetMail(ctx, tx, u, m.RequestedAt)
	})
	if err != nil && !errors.Is(err, errNotFree) && !errors.Is(err, errAccountChanged) {
		s.log.ErrorContext(ctx, "outbox: accept reset request", "mail_id", m.ID, "user_id", u.ID, "error", err)
	}
	if err == nil {
		s.countProcessed()
	}
	return err == nil
}
