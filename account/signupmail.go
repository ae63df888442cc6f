package account

import (
	"context"
	"fmt"

	"latchkey/ent"
	"latchkey/ent/emailverificationtoken"
	"latchkey/ent/pendingsignup"
)

// A new address's sign-ups share one pending row, and the newest sign-up owns it: its username,
// its password, its link. Unlike a reset link, which lets the mailbox's owner choose their own
// password, a sign-up link creates an account with the password of whoever asked for it; so no
// link may outlive a newer sign-up, or the owner, signing up after a stranger, could open the
// stranger's link and hand them the account. A sign-up whose mail the limits hold back still
// takes the row over and voids the older link; it only sends nothing.

func signupCounters(p *ent.PendingSignup) mailCounters {
	if p == nil {
		return mailCounters{}
	}
	return mailCounters{p.LastMailAt, p.MailWindowStart, p.MailsInWindow}
}

// deliverSignUpLink handles a sign-up m for an address with no account: unless a newer sign-up
// has taken the address's pending row, m takes it over, and mails a fresh link if the address's
// limits allow. A retry of m, whose mail was allowed, mails a fresh link without asking again.
func (s *Service) deliverSignUpLink(ctx context.Context, m *ent.OutboxMail) error {
	p, err := s.db.PendingSignup.Query().Where(pendingsignup.Email(m.Recipient)).Only(ctx)
	if ent.IsNotFound(err) {
		p, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("find pending sign-up: %w", err)
	}
	switch {
	case p != nil && p.RequestID > m.ID:
		return nil // a newer sign-up owns the address
	case p != nil && p.RequestID == m.ID && p.TokenHash == nil:
		return nil // m again, after a crash: its mail was held back
	}
	counters, mail := signupCounters(p), true
	if p == nil || p.RequestID != m.ID {
		var why string
		if mail, why = s.mayMail(counters, m.RequestedAt); mail {
			counters = counters.after(m.RequestedAt)
		} else {
			s.log.InfoContext(ctx, "sign-up link held back: "+why+"; older links voided", "mail_id", m.ID)
		}
	}
	token, hash := NewResetToken()
	var tokenHash *string
	if mail {
		tokenHash = &hash
	}
	if err := s.recordSignUp(ctx, p, m, tokenHash, counters); err != nil {
		return err
	}
	if !mail {
		return nil
	}
	return s.mailer.SendSignUpLink(ctx, m.Locale, m.Recipient, m.Username, s.verifyLink(token), s.cfg.VerificationTokenTTL)
}

// recordSignUp writes m into the address's pending row p (nil: there is none yet) with the link
// tokenHash (nil: none) and the counters c, only if p is still as it was read, so that of two
// workers only one takes the row; the other gets errDecidedElsewhere and looks again.
func (s *Service) recordSignUp(ctx context.Context, p *ent.PendingSignup, m *ent.OutboxMail, tokenHash *string, c mailCounters) error {
	expires := s.now().Add(s.cfg.VerificationTokenTTL)
	if p == nil {
		err := s.db.PendingSignup.Create().
			SetEmail(m.Recipient).
			SetUsername(m.Username).
			SetPasswordHash(m.PasswordHash).
			SetLocale(m.Locale).
			SetNillableTokenHash(tokenHash).
			SetRequestID(m.ID).
			SetExpiresAt(expires).
			SetNillableLastMailAt(c.last).
			SetNillableMailWindowStart(c.windowStart).
			SetMailsInWindow(c.inWindow).
			Exec(ctx)
		if ent.IsConstraintError(err) {
			return errDecidedElsewhere
		}
		if err != nil {
			return fmt.Errorf("record sign-up: %w", err)
		}
		return nil
	}
	update := s.db.PendingSignup.Update().
		Where(pendingsignup.ID(p.ID), pendingsignup.RequestID(p.RequestID), pendingsignup.MailsInWindow(p.MailsInWindow)).
		SetUsername(m.Username).
		SetPasswordHash(m.PasswordHash).
		SetLocale(m.Locale).
		SetRequestID(m.ID).
		SetExpiresAt(expires).
		SetNillableLastMailAt(c.last).
		SetNillableMailWindowStart(c.windowStart).
		SetMailsInWindow(c.inWindow)
	if tokenHash != nil {
		update.SetTokenHash(*tokenHash)
	} else {
		update.ClearTokenHash()
	}
	n, err := update.Save(ctx)
	if err != nil {
		return fmt.Errorf("record sign-up: %w", err)
	}
	if n != 1 {
		return errDecidedElsewhere
	}
	return nil
}

// DeleteExpiredSignUps deletes the pending sign-ups and verification tokens that can no longer
// be used, logging how many. A pending sign-up stays while its address's mail limits still
// count its mails, so that expiring does not hand the address a fresh allowance.
func (s *Service) DeleteExpiredSignUps(ctx context.Context) {
	now := s.now()
	counted := s.forgottenBefore(now)
	n, err := s.db.PendingSignup.Delete().Where(
		pendingsignup.ExpiresAtLTE(now),
		pendingsignup.Or(pendingsignup.LastMailAtIsNil(), pendingsignup.LastMailAtLTE(counted)),
	).Exec(ctx)
	s.logCleanup(ctx, "pending sign-ups", n, err)
	n, err = s.db.EmailVerificationToken.Delete().Where(emailverificationtoken.ExpiresAtLTE(now)).Exec(ctx)
	s.logCleanup(ctx, "verification tokens", n, err)
}
