package account

import (
	"context"
	"fmt"
	"time"

	"latchkey/ent"
	"latchkey/ent/mailallowance"
	"latchkey/ent/outboxmail"
	"latchkey/ent/predicate"
	"latchkey/ent/user"
)

// The per-address limits (RESET_MAIL_MIN_INTERVAL_SECONDS, RESET_MAILS_PER_HOUR) bound the mail
// that anyone may have us send to an address: reset links, and the links and notices of address
// changes. mayMail is the one decision; acceptMail the one write that records an allowed mail.
// Reset mail counts on the account's users row; address-change mail in mail_allowances, by
// address, whether or not it has an account, so that neither what is sent nor when tells that,
// and so that a flood of changes cannot hold back the reset its notice advises.

// mailAllowance is what the limits count for one address.
type mailAllowance struct {
	last        *time.Time // the latest mail counted
	windowStart *time.Time // start of the hour the mails are counted in
	inWindow    int
}

// userAllowance is the allowance of u's address.
func userAllowance(u *ent.User) mailAllowance {
	return mailAllowance{last: u.LastResetMailAt, windowStart: u.ResetMailWindowStart, inWindow: u.ResetMailsInWindow}
}

// mayMail is the one decision of the limits: whether a mail asked for at `at` may go to an
// address whose allowance is a, and if not why, for the log.
func (s *Service) mayMail(a mailAllowance, at time.Time) (ok bool, why string) {
	if s.tooSoon(a.last, at) {
		return false, "too soon after the last one"
	}
	if _, sent := a.window(at); sent >= s.cfg.ResetMailsPerHour {
		return false, "hourly limit reached"
	}
	return true, ""
}

// tooSoon applies RESET_MAIL_MIN_INTERVAL_SECONDS to a request made at `at`. Requests can be
// handled out of order, by several workers, so one older than the last mail counts as too soon
// too; with no interval set, none is.
func (s *Service) tooSoon(last *time.Time, at time.Time) bool {
	return s.cfg.ResetMailMinInterval > 0 && last != nil && at.Sub(*last) < s.cfg.ResetMailMinInterval
}

// window returns the hour a request made at `at` counts in and the mails already sent in it.
func (a mailAllowance) window(at time.Time) (start time.Time, sent int) {
	if a.windowStart != nil && at.Sub(*a.windowStart) < time.Hour {
		return *a.windowStart, a.inWindow
	}
	return at, 0
}

// spent is a once a mail asked for at `at` is counted.
func (a mailAllowance) spent(at time.Time) mailAllowance {
	last := at
	if a.last != nil && a.last.After(last) {
		last = *a.last
	}
	start, sent := a.window(at)
	return mailAllowance{last: &last, windowStart: &start, inWindow: sent + 1}
}

// spendFunc writes, in tx, an address's allowance after one more mail, conditional on it being
// as it was read; it reports whether it was.
type spendFunc func(ctx context.Context, tx *ent.Tx) (bool, error)

// decidedElsewhere is acceptMail's loss: another worker accepted the request or spent the
// address's allowance since it was read. The outbox then looks at the request again.
type decidedElsewhere struct{}

func (decidedElsewhere) Error() string { return "mail request or its address changed concurrently" }

// Skipped tells the outbox that this is no failure of the send.
func (decidedElsewhere) Skipped() bool { return true }

var errDecidedElsewhere error = decidedElsewhere{}

// acceptMail is the one place an allowed mail is recorded: one transaction marks m accepted and
// spends from its address's allowance, each write conditional on what was read (m not accepted,
// and free of senders when guards say so; the allowance unchanged), so that two workers cannot
// both spend an address's last mail. The loser gets errDecidedElsewhere. On success m.Accepted
// is set.
func (s *Service) acceptMail(ctx context.Context, m *ent.OutboxMail, spend spendFunc, guards ...predicate.OutboxMail) error {
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		n, err := tx.OutboxMail.Update().
			Where(append(guards, outboxmail.ID(m.ID), outboxmail.Accepted(false))...).
			SetAccepted(true).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("accept mail request: %w", err)
		}
		if n != 1 {
			return errDecidedElsewhere
		}
		ok, err := spend(ctx, tx)
		if err != nil {
			return fmt.Errorf("count mail against its address's limits: %w", err)
		}
		if !ok {
			return errDecidedElsewhere
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.Accepted = true
	return nil
}

// spendUser writes next, u's allowance after one more mail, to u's row if it still holds what u says.
func spendUser(u *ent.User, next mailAllowance) spendFunc {
	return func(ctx context.Context, tx *ent.Tx) (bool, error) {
		unchanged := []predicate.User{user.ID(u.ID), user.ResetMailsInWindow(u.ResetMailsInWindow)}
		if u.LastResetMailAt == nil {
			unchanged = append(unchanged, user.LastResetMailAtIsNil())
		} else {
			unchanged = append(unchanged, user.LastResetMailAt(*u.LastResetMailAt))
		}
		n, err := tx.User.Update().Where(unchanged...).
			SetLastResetMailAt(*next.last).
			SetResetMailWindowStart(*next.windowStart).
			SetResetMailsInWindow(next.inWindow).
			Save(ctx)
		return n == 1, err
	}
}

// addressAllowance reads the address-change allowance of an address; row is nil when nothing was
// ever counted for it.
func (s *Service) addressAllowance(ctx context.Context, email string) (row *ent.MailAllowance, a mailAllowance, err error) {
	row, err = s.db.MailAllowance.Query().Where(mailallowance.Key(s.accountKey(email))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, mailAllowance{}, nil
	}
	if err != nil {
		return nil, mailAllowance{}, fmt.Errorf("read mail allowance: %w", err)
	}
	return row, mailAllowance{last: &row.LastMailAt, windowStart: &row.WindowStart, inWindow: row.MailsInWindow}, nil
}

// spendAddress writes next to the address-change allowance of an address, if its row is still
// as read (nil: still absent).
func (s *Service) spendAddress(email string, row *ent.MailAllowance, next mailAllowance) spendFunc {
	return func(ctx context.Context, tx *ent.Tx) (bool, error) {
		if row == nil {
			err := tx.MailAllowance.Create().SetKey(s.accountKey(email)).
				SetLastMailAt(*next.last).SetWindowStart(*next.windowStart).SetMailsInWindow(next.inWindow).
				Exec(ctx)
			if ent.IsConstraintError(err) {
				return false, nil
			}
			return err == nil, err
		}
		n, err := tx.MailAllowance.Update().
			Where(mailallowance.ID(row.ID), mailallowance.LastMailAt(row.LastMailAt), mailallowance.MailsInWindow(row.MailsInWindow)).
			SetLastMailAt(*next.last).SetWindowStart(*next.windowStart).SetMailsInWindow(next.inWindow).
			Save(ctx)
		return n == 1, err
	}
}

// deleteStaleAllowances deletes the allowances no limit counts any more.
func (s *Service) deleteStaleAllowances(ctx context.Context) (int, error) {
	return s.db.MailAllowance.Delete().
		Where(mailallowance.LastMailAtLT(s.now().Add(-max(time.Hour, s.cfg.ResetMailMinInterval)))).
		Exec(ctx)
}
