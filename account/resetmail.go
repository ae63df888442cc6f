package account

import (
	"context"
	"fmt"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/passwordresettoken"
	"latchkey/ent/predicate"
	"latchkey/ent/user"
)

// How a reset request becomes a mail: ForgotPassword queues it without looking anything up;
// the outbox hands it to deliverReset, or first, in a batch, to SettleResets. Both ask
// mayMailReset, the one decision, and record an allowed request with acceptReset, the one write
// that spends the account's allowance.

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

// mayMailReset is the one decision on a reset request m for u, nil when no account has the
// address: whether it may send, and if not why, for the log ("" for no account, which is not
// logged). A disabled account gets nothing, as an unknown address. An accepted request was counted against the limits when it was accepted. Every mail
// a stranger can make the server send to an account (reset links, sign-up notices,
// verification links) goes through it and spends the same allowance.
func (s *Service) mayMailReset(u *ent.User, m *ent.OutboxMail) (ok bool, why string) {
	switch {
	case u == nil:
		return false, ""
	case u.Disabled:
		return false, "the account is disabled"
	case m.Accepted:
		return true, ""
	}
	return s.mayMail(accountCounters(u), m.RequestedAt)
}

// mailCounters are what the per-address mail limits read: an account's, or for an address with
// no account yet, its pending sign-up's.
type mailCounters struct {
	last        *time.Time // when the latest mail was asked for
	windowStart *time.Time // the hour RESET_MAILS_PER_HOUR counts in
	inWindow    int
}

func accountCounters(u *ent.User) mailCounters {
	return mailCounters{u.LastResetMailAt, u.ResetMailWindowStart, u.ResetMailsInWindow}
}

// mayMail applies RESET_MAIL_MIN_INTERVAL_SECONDS and RESET_MAILS_PER_HOUR to a mail asked
// for at `at`: the one copy of the limits, for accounts and pending sign-ups alike.
func (s *Service) mayMail(c mailCounters, at time.Time) (ok bool, why string) {
	if s.resetTooSoon(c.last, at) {
		return false, "too soon after the last one"
	}
	if _, sent := c.window(at); sent >= s.cfg.ResetMailsPerHour {
		return false, "hourly limit reached"
	}
	return true, ""
}

// forgottenBefore is when, seen at now, a mail stops counting for every limit: counts older
// than that may be deleted without handing an address a fresh allowance.
func (s *Service) forgottenBefore(now time.Time) time.Time {
	return now.Add(-max(time.Hour, s.cfg.ResetMailMinInterval))
}

// resetTooSoon applies RESET_MAIL_MIN_INTERVAL_SECONDS to a request made at `at`. Requests can
// be handled out of order, by several workers, so one older than the last mail counts as too
// soon too; with no interval set, none is.
func (s *Service) resetTooSoon(last *time.Time, at time.Time) bool {
	return s.cfg.ResetMailMinInterval > 0 && last != nil && at.Sub(*last) < s.cfg.ResetMailMinInterval
}

// window returns the hour a request made at `at` counts in for RESET_MAILS_PER_HOUR and the
// mails already sent in it.
func (c mailCounters) window(at time.Time) (start time.Time, sent int) {
	if c.windowStart != nil && at.Sub(*c.windowStart) < time.Hour {
		return *c.windowStart, c.inWindow
	}
	return at, 0
}

// after returns the counters once a mail asked for at `at` is allowed.
func (c mailCounters) after(at time.Time) mailCounters {
	last := at
	if c.last != nil && c.last.After(last) {
		last = *c.last
	}
	start, sent := c.window(at)
	return mailCounters{&last, &start, sent + 1}
}

// decidedElsewhere is acceptReset's loss: another worker accepted the request or spent the
// account's allowance since it was read. The outbox then looks at the request again.
type decidedElsewhere struct{}

func (decidedElsewhere) Error() string { return "reset request or its account changed concurrently" }

// Skipped tells the outbox that this is no failure of the send.
func (decidedElsewhere) Skipped() bool { return true }

var errDecidedElsewhere error = decidedElsewhere{}

// acceptReset records an allowed reset request m for u with acceptMail, spending from u's
// allowance; on success u is updated to match and the request counts as processed.
func (s *Service) acceptReset(ctx context.Context, u *ent.User, m *ent.OutboxMail, guards ...predicate.OutboxMail) error {
	next := accountCounters(u).after(m.RequestedAt)
	if err := s.acceptMail(ctx, m, spendUser(u, next), guards...); err != nil {
		return err
	}
	s.acceptedReset(u, m, next)
	return nil
}

// acceptedReset updates u and m once the acceptance of m, spending next, has committed.
func (s *Service) acceptedReset(u *ent.User, m *ent.OutboxMail, next mailCounters) {
	u.LastResetMailAt, u.ResetMailWindowStart, u.ResetMailsInWindow = next.last, next.windowStart, next.inWindow
	m.Accepted = true
	s.countProcessed(m.Kind)
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
	token, hash := NewResetToken()
	accepting := !m.Accepted
	next := accountCounters(u).after(m.RequestedAt)
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		if accepting {
			// The row is ours: a sender holds it, so no guard against other senders is needed.
			// Accepted in the token's transaction: one commit a mail, not two.
			if err := acceptIn(ctx, tx, m, spendUser(u, next)); err != nil {
				return err
			}
		}
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
	if accepting {
		s.acceptedReset(u, m, next)
	}
	return s.mailer.SendPasswordReset(ctx, u.Locale, u.Email, u.Username, s.resetLink(token), s.cfg.ResetTokenTTL)
}
