package account

import (
	"context"
	"fmt"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/passwordresettoken"
	"latchkey/ent/predicate"
	"latchkey/ent/user"
)

// How a reset request becomes a mail: ForgotPassword queues it without looking anything up;
// the outbox hands it to deliverReset, or first, in a batch, to SettleResets. Both ask
// mayMailReset, which applies the per-address limits of allowance.go, and record an allowed
// request with acceptReset, which spends the account's allowance.

// ForgotPassword queues a reset mail for email. It does the same work whether or not an account
// exists (one outbox insert), so neither its answer nor its timing tells; the outbox worker
// looks the account up, applies the per-account limits and makes the token.
// Errors: BAD_USER_INPUT (email), RATE_LIMITED.
func (s *Service) ForgotPassword(ctx context.Context, email string) (string, error) {
	if err := s.allow(ctx, opForgotPassword); err != nil {
		return "", err
	}
	email, err := normalizeEmail("email", email)
	if err != nil {
		return "", err
	}
	now := s.now()
	err = s.cfg.Outbox.Add(ctx, s.db.OutboxMail.Create().
		SetKind(outboxmail.KindPasswordReset).
		SetRecipient(email).
		SetRequestedAt(now).
		SetNextAttemptAt(now))
	if err != nil {
		return "", fmt.Errorf("queue reset mail: %w", err)
	}
	s.cfg.Observer.MailEvent(string(outboxmail.KindPasswordReset), "queued")
	s.cfg.Outbox.Wake()
	return ForgotPasswordMessage, nil
}

// mayMailReset is the decision on a reset request m for u, nil when no account has the
// address: whether it may send, and if not why, for the log ("" for no account, which is not
// logged). An accepted request was counted against the limits when it was accepted.
func (s *Service) mayMailReset(u *ent.User, m *ent.OutboxMail) (ok bool, why string) {
	switch {
	case u == nil:
		return false, ""
	case m.Accepted:
		return true, ""
	}
	return s.mayMail(userAllowance(u), m.RequestedAt)
}

// acceptReset records an allowed reset request m for u with acceptMail, spending from u's
// allowance; on success u is updated to match and the request counts as processed.
func (s *Service) acceptReset(ctx context.Context, u *ent.User, m *ent.OutboxMail, guards ...predicate.OutboxMail) error {
	next := userAllowance(u).spent(m.RequestedAt)
	if err := s.acceptMail(ctx, m, spendUser(u, next), guards...); err != nil {
		return err
	}
	u.LastResetMailAt, u.ResetMailWindowStart, u.ResetMailsInWindow = next.last, next.windowStart, next.inWindow
	s.countProcessed()
	return nil
}

// deliverReset looks the account up, decides, records an allowed request, makes a fresh token
// (replacing older ones) and mails the link. An unknown address or a refused request sends
// nothing and leaves the outbox.
func (s *Service) deliverReset(ctx context.Context, m *ent.OutboxMail) error {
	u, err := s.db.User.Query().Where(user.Email(m.Recipient)).Only(ctx)
	if ent.IsNotFound(err) {
		u, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("find reset recipient: %w", err)
	}
	if ok, why := s.mayMailReset(u, m); !ok {
		if why != "" {
			s.log.InfoContext(ctx, "reset mail skipped: "+why, "user_id", u.ID)
		}
		return nil
	}
	if !m.Accepted {
		// The row is ours: a sender holds it, so no guard against other senders is needed.
		if err := s.acceptReset(ctx, u, m); err != nil {
			return err
		}
	}
	token, hash := NewResetToken()
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		if _, err := tx.PasswordResetToken.Delete().Where(passwordresettoken.UserID(u.ID)).Exec(ctx); err != nil {
			return fmt.Errorf("delete older reset tokens: %w", err)
		}
		return tx.PasswordResetToken.Create().
			SetUserID(u.ID).
			SetTokenHash(hash).
			SetExpiresAt(s.now().Add(s.cfg.ResetTokenTTL)).
			Exec(ctx)
	})
	if err != nil {
		return err
	}
	return s.mailer.SendPasswordReset(ctx, u.Email, u.Username, s.resetLink(token), s.cfg.ResetTokenTTL)
}
