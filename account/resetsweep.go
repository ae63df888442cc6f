package account

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/user"
)

// SettleResets is the outbox's settle hook for reset requests that wait for a sender: under a
// flood of forgotPassword, or while the mail server is slow. queued holds the requests' ID,
// Recipient and RequestedAt. Requests that mayMailReset refuses are deleted: settled one by
// one, each cost a claim, a look-up and a delete, about what the request itself cost. Of the
// rest, each account's earliest request is accepted at once, so that the account's later
// requests are refused here too instead of waiting, possibly for minutes, behind mail that is
// slow to go out. Accepted requests are left for the senders. Rows a sender has claimed, or
// another replica's sweep accepted, are never deleted.
func (s *Service) SettleResets(ctx context.Context, queued []*ent.OutboxMail) {
	emails := make([]string, 0, len(queued))
	for _, m := range queued {
		m.Kind = outboxmail.KindPasswordReset // the sweep reads no more than it needs
		emails = append(emails, m.Recipient)
	}
	users, err := s.db.User.Query().Where(user.EmailIn(emails...)).
		Select(user.FieldID, user.FieldEmail, user.FieldLastResetMailAt, user.FieldResetMailWindowStart, user.FieldResetMailsInWindow).
		All(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "outbox: look up reset recipients", "error", err)
		return
	}
	byEmail := make(map[string]*ent.User, len(users))
	for _, u := range users {
		byEmail[u.Email] = u
	}
	perAccount := map[*ent.User][]*ent.OutboxMail{} // nil: the address has no account
	for _, m := range queued {
		u := byEmail[m.Recipient]
		perAccount[u] = append(perAccount[u], m)
	}
	var refused []int
	limited := map[int]int{} // user id -> requests refused by the account's limits
	for _, u := range append(users, nil) {
		requests := perAccount[u]
		slices.SortFunc(requests, func(a, b *ent.OutboxMail) int {
			return cmp.Or(a.RequestedAt.Compare(b.RequestedAt), cmp.Compare(a.ID, b.ID))
		})
		for _, m := range requests {
			if ok, _ := s.mayMailReset(u, m); !ok {
				refused = append(refused, m.ID)
				if u != nil && !u.Disabled {
					limited[u.ID]++
				}
				continue
			}
			if err := s.acceptReset(ctx, u, m, s.cfg.Outbox.Unclaimed()); err != nil {
				if !errors.Is(err, errDecidedElsewhere) {
					s.log.ErrorContext(ctx, "outbox: accept reset request", "mail_id", m.ID, "user_id", u.ID, "error", err)
				}
				break // the rest is left for a later sweep or a sender, which decide again
			}
		}
	}
	s.dropRefused(ctx, refused, limited)
}

// dropRefused deletes the refused requests still undecided and unclaimed, and logs the
// accounts whose limits refused some.
func (s *Service) dropRefused(ctx context.Context, refused []int, limited map[int]int) {
	if len(refused) == 0 {
		return
	}
	n, err := s.db.OutboxMail.Delete().
		Where(outboxmail.IDIn(refused...), outboxmail.Accepted(false), s.cfg.Outbox.Unclaimed()).
		Exec(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "outbox: delete refused reset requests", "error", err)
		return
	}
	for range n {
		s.countProcessed(outboxmail.KindPasswordReset)
	}
	if len(limited) == 0 {
		return
	}
	// One line a sweep, not one a request: under a flood the log would be the flood.
	ids := slices.Sorted(maps.Keys(limited))
	skipped := 0
	for _, n := range limited {
		skipped += n
	}
	s.log.InfoContext(ctx, "reset mails skipped: too soon after the last one or over the hourly limit", "requests", skipped,
		"accounts", len(ids), "user_ids", ids[:min(len(ids), 20)])
}
