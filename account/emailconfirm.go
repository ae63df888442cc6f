package account

import (
	"context"
	"fmt"

	"latchkey/ent"
	"latchkey/ent/emailchange"
	"latchkey/ent/outboxmail"
	"latchkey/ent/user"
)

// errEmailTakenSince: the address got an account between the request and the confirmation. The
// one who asks holds a link mailed to that address, so may know it; the link stays usable should
// the address be freed again before it expires.
var errEmailTakenSince = badInput("token", "Another account now uses this email address")

// ConfirmEmailChange moves the account to the address the token was mailed to and marks it
// verified. Spending the token is one conditional delete inside the transaction that moves the
// account, so of concurrent calls one at most applies it; the unique index on users.email
// decides whether the address is still free. Every session of the account is revoked (sessions
// are one version number per account, so the caller's too), its reset tokens are deleted, and the
// old address is told.
// Errors: INVALID_VERIFICATION_TOKEN, BAD_USER_INPUT (token), RATE_LIMITED.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) error {
	if err := s.allow(ctx, opConfirmEmailChange); err != nil {
		return err
	}
	if !wellFormedResetToken(token) {
		return errInvalidVerificationToken
	}
	var moved *ent.User
	err := s.withTx(ctx, func(tx *ent.Tx) (err error) {
		moved, err = s.applyEmailChange(ctx, tx, HashResetToken(token))
		return err
	})
	if err != nil {
		return err
	}
	s.cfg.Observer.MailEvent(string(outboxmail.KindEmailChanged), "queued")
	s.cfg.Outbox.Wake()
	s.log.InfoContext(ctx, "email changed", "user_id", moved.ID)
	// The owner has proved the new mailbox: strangers' guesses at it must not keep them out.
	if err := s.failures.clearAccount(ctx, s.accountKey(moved.Email)); err != nil {
		s.log.WarnContext(ctx, "login failures not cleared after email change", "user_id", moved.ID, "error", err)
	}
	return nil
}

// applyEmailChange spends the change whose token hashes to tokenHash, the account's only one,
// and moves its account, all in tx, returning the account as it is now.
func (s *Service) applyEmailChange(ctx context.Context, tx *ent.Tx, tokenHash string) (*ent.User, error) {
	now := s.now()
	c, err := tx.EmailChange.Query().Where(emailchange.TokenHash(tokenHash)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errInvalidVerificationToken
	}
	if err != nil {
		return nil, fmt.Errorf("find email change: %w", err)
	}
	spent, err := tx.EmailChange.Delete().
		Where(emailchange.ID(c.ID), emailchange.TokenHash(tokenHash), emailchange.ExpiresAtGT(now)).
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("spend email change: %w", err)
	}
	if spent != 1 {
		return nil, errInvalidVerificationToken
	}
	u, err := tx.User.Get(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("find account of email change: %w", err)
	}
	// Only if no password change or reset came since the request: securing the account cancels it.
	n, err := tx.User.Update().
		Where(user.ID(u.ID), user.SessionVersion(c.SessionVersion)).
		SetEmail(c.NewEmail).
		SetEmailVerified(true).
		AddSessionVersion(1).
		Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, errEmailTakenSince
	}
	if err != nil {
		return nil, fmt.Errorf("change email: %w", err)
	}
	if n != 1 {
		return nil, errInvalidVerificationToken
	}
	if _, err := s.endCredentials(ctx, tx, u.ID); err != nil {
		return nil, err
	}
	err = tx.OutboxMail.Create().
		SetKind(outboxmail.KindEmailChanged).
		SetUserID(u.ID).
		SetRecipient(u.Email).
		SetUsername(u.Username).
		SetLocale(u.Locale).
		SetNewEmail(c.NewEmail).
		SetRequestedAt(now).
		SetNextAttemptAt(now).
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue email changed notice: %w", err)
	}
	moved, err := tx.User.Get(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("reload account: %w", err)
	}
	return moved, nil
}
