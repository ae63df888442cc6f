package account

import (
	"context"
	"fmt"

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

// spendFunc writes, in tx, an address's allowance after one more mail, conditional on it being
// as it was read; it reports whether it was.
type spendFunc func(ctx context.Context, tx *ent.Tx) (bool, error)

// acceptMail is the one place an allowed mail is recorded: one transaction marks m accepted and
// spends from its address's allowance, each write conditional on what was read (m not accepted,
// and free of senders when guards say so; the allowance unchanged), so that two workers cannot
// both spend an address's last mail. The loser gets errDecidedElsewhere. On success m.Accepted
// is set.
func (s *Service) acceptMail(ctx context.Context, m *ent.OutboxMail, spend spendFunc, guards ...predicate.OutboxMail) error {
	if err := s.withTx(ctx, func(tx *ent.Tx) error { return acceptIn(ctx, tx, m, spend, guards...) }); err != nil {
		return err
	}
	m.Accepted = true
	return nil
}

// acceptIn is acceptMail's writes, in tx, for a caller that writes more in the same transaction.
func acceptIn(ctx context.Context, tx *ent.Tx, m *ent.OutboxMail, spend spendFunc, guards ...predicate.OutboxMail) error {
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
}

// spendUser writes next, u's allowance after one more mail, to u's row if it still holds what u says.
func spendUser(u *ent.User, next mailCounters) spendFunc {
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
func (s *Service) addressAllowance(ctx context.Context, email string) (row *ent.MailAllowance, a mailCounters, err error) {
	row, err = s.db.MailAllowance.Query().Where(mailallowance.Key(s.accountKey(email))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, mailCounters{}, nil
	}
	if err != nil {
		return nil, mailCounters{}, fmt.Errorf("read mail allowance: %w", err)
	}
	return row, mailCounters{last: &row.LastMailAt, windowStart: &row.WindowStart, inWindow: row.MailsInWindow}, nil
}

// spendAddress writes next to the address-change allowance of an address, if its row is still
// as read (nil: still absent).
func (s *Service) spendAddress(email string, row *ent.MailAllowance, next mailCounters) spendFunc {
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
		Where(mailallowance.LastMailAtLT(s.forgottenBefore(s.now()))).
		Exec(ctx)
}
