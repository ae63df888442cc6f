package account

import (
	"context"
	"fmt"

	"latchkey/ent"
	"latchkey/ent/emailchange"
	"latchkey/ent/outboxmail"
)

// How an address changes: ChangeEmail checks the password and records the request (the account's
// one pending change, and two outbox rows) without looking the new address up, so that neither
// its answer nor its statements tell whether the address has an account. The outbox worker then
// decides (emailchangemail.go): a link to a free address, a notice to one that has an account,
// and, either way, a notice to the current address. ConfirmEmailChange (emailconfirm.go) spends
// the link and moves the account.

// ChangeEmailMessage is the one answer changeEmail gives, whether or not the new address has an
// account.
const ChangeEmailMessage = "Check the inbox of the new address to finish the change. Until then, sign in with your current address."

var errSameEmail = badInput("newEmail", "This is already your email address")

// ChangeEmail asks to move the signed-in user's account to newEmail, which is normalised and
// checked as register's email is. It answers once the request is recorded; the mail follows from
// the outbox. The account keeps its address until the link mailed to newEmail is used.
// Errors: UNAUTHENTICATED, BAD_USER_INPUT (newEmail, password), RATE_LIMITED.
func (s *Service) ChangeEmail(ctx context.Context, newEmail, password string) (string, error) {
	u, err := s.CurrentUser(ctx)
	if err != nil {
		return "", err
	}
	var bad inputErrors
	newEmail, err = normalizeEmail("newEmail", newEmail)
	_ = bad.add(err)
	// The caller knows their own address, so saying so tells nothing.
	if err == nil && newEmail == u.Email {
		_ = bad.add(errSameEmail)
	}
	// Checked (and counted) whatever the address, so that both fields are answered at once.
	if err := bad.add(s.verifyCurrent(ctx, u, "password", password)); err != nil {
		return "", err
	}
	if err := bad.err(); err != nil {
		return "", err
	}
	if err := s.recordEmailChange(ctx, u, newEmail); err != nil {
		return "", err
	}
	s.cfg.Observer.MailEvent(string(outboxmail.KindEmailChange), "queued")
	s.cfg.Observer.MailEvent(string(outboxmail.KindEmailChangeNotice), "queued")
	s.cfg.Outbox.Wake()
	s.log.InfoContext(ctx, "email change requested", "user_id", u.ID)
	return ChangeEmailMessage, nil
}

// recordEmailChange writes the request in one transaction, so that a crash leaves all of it or
// none. Two requests of one account at once meet at the unique user_id of email_changes; the
// one that loses writes again, replacing the other: the newest wins.
func (s *Service) recordEmailChange(ctx context.Context, u *ent.User, newEmail string) error {
	var err error
	for range 5 {
		err = s.withTx(ctx, func(tx *ent.Tx) error { return s.writeEmailChange(ctx, tx, u, newEmail) })
		if !ent.IsConstraintError(err) {
			return err
		}
	}
	return err
}

// writeEmailChange queues, in tx, the mail to the new address and the notice to the current
// one, and makes the account's pending change the one of this request, whatever came before:
// an earlier link stops working whether or not this one is ever sent, so that which of the two
// still works cannot tell whether newEmail has an account.
func (s *Service) writeEmailChange(ctx context.Context, tx *ent.Tx, u *ent.User, newEmail string) error {
	now := s.now()
	request, err := tx.OutboxMail.Create().
		SetKind(outboxmail.KindEmailChange).
		SetUserID(u.ID).
		SetRecipient(newEmail).
		SetUsername(u.Username).
		SetLocale(u.Locale).
		SetRequestedAt(now).
		SetNextAttemptAt(now).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("queue email change: %w", err)
	}
	err = tx.OutboxMail.Create().
		SetKind(outboxmail.KindEmailChangeNotice).
		SetUserID(u.ID).
		SetRecipient(u.Email).
		SetUsername(u.Username).
		SetNewEmail(newEmail).
		SetRequestedAt(now).
		SetNextAttemptAt(now).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("queue email change notice: %w", err)
	}
	if _, err := tx.EmailChange.Delete().Where(emailchange.UserID(u.ID)).Exec(ctx); err != nil {
		return fmt.Errorf("delete older email change: %w", err)
	}
	err = tx.EmailChange.Create().
		SetUserID(u.ID).
		SetNewEmail(newEmail).
		SetRequestID(request.ID).
		SetSessionVersion(u.SessionVersion).
		SetExpiresAt(now.Add(s.cfg.VerificationTokenTTL)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("record email change: %w", err)
	}
	return nil
}

// DeleteExpiredEmailChanges deletes the pending address changes whose link can no longer be
// used, and the per-address mail counts no limit looks at any more, logging how many.
func (s *Service) DeleteExpiredEmailChanges(ctx context.Context) {
	n, err := s.db.EmailChange.Delete().Where(emailchange.ExpiresAtLTE(s.now())).Exec(ctx)
	s.logCleanup(ctx, "email changes", n, err)
	if _, err := s.deleteStaleAllowances(ctx); err != nil {
		s.log.WarnContext(ctx, "delete stale mail allowances", "error", err)
	}
}
