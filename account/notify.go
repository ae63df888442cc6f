package account

import (
	"context"
	"fmt"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
)

// PasswordNoticeInterval is the least time between two "password changed" mails to one account.
const PasswordNoticeInterval = 10 * time.Minute

// queuePasswordNotice records, in tx, a change of u's password made at now for its "password
// changed" mail. The account's newest notice, while no sender holds it, takes the change in
// (so a burst of changes is one mail); otherwise a new notice is queued, due no sooner than
// PasswordNoticeInterval after the previous one. tx has just updated u's row, which holds
// concurrent changes of the same account back until it ends.
func (s *Service) queuePasswordNotice(ctx context.Context, tx *ent.Tx, u *ent.User, now time.Time) error {
	newest, err := tx.OutboxMail.Query().
		Where(outboxmail.UserID(u.ID), outboxmail.KindEQ(outboxmail.KindPasswordChanged)).
		Order(ent.Desc(outboxmail.FieldID)).
		First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("find pending notice: %w", err)
	}
	if newest != nil {
		// Conditional, like a sender's claim: whichever comes second sees the other's write.
		n, err := tx.OutboxMail.Update().
			Where(outboxmail.ID(newest.ID), s.cfg.Outbox.Unclaimed()).
			AddChangeCount(1).
			SetLastChangeAt(now).
			SetRecipient(u.Email).
			SetUsername(u.Username).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("add change to notice: %w", err)
		}
		if n == 1 {
			return nil
		}
	}
	due := now
	if last := u.LastChangedMailAt; last != nil && last.Add(PasswordNoticeInterval).After(now) {
		due = last.Add(PasswordNoticeInterval)
	}
	if err := tx.User.UpdateOneID(u.ID).SetLastChangedMailAt(due).Exec(ctx); err != nil {
		return fmt.Errorf("record notice: %w", err)
	}
	return tx.OutboxMail.Create().
		SetKind(outboxmail.KindPasswordChanged).
		SetUserID(u.ID).
		SetRecipient(u.Email).
		SetUsername(u.Username).
		SetLocale(u.Locale).
		SetRequestedAt(now).
		SetLastChangeAt(now).
		SetNillablePreviousNoticeAt(u.LastChangedMailAt).
		SetNextAttemptAt(due).
		Exec(ctx)
}

// sendPasswordNotice mails a "password changed" notice. A notice that tells of several changes
// counts them from the previous notice or, for an account's first, from the first change.
func (s *Service) sendPasswordNotice(ctx context.Context, m *ent.OutboxMail) error {
	last, since := m.RequestedAt, m.RequestedAt
	if m.LastChangeAt != nil {
		last = *m.LastChangeAt
	}
	if m.PreviousNoticeAt != nil {
		since = *m.PreviousNoticeAt
	}
	return s.mailer.SendPasswordChanged(ctx, m.Locale, m.Recipient, m.Username, last.UTC(), m.ChangeCount, since.UTC())
}
