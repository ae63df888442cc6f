package account

import (
	"context"
	"fmt"
	"time"

	"latchkey/ent"
	"latchkey/ent/emailchange"
	"latchkey/ent/user"
)

// EmailChangeMailer sends the mails of an address change; the email package satisfies it.
type EmailChangeMailer interface {
	// SendEmailChangeLink mails the new address the link that confirms the change, valid for validFor.
	SendEmailChangeLink(ctx context.Context, lang, to, username, link string, validFor time.Duration) error
	// SendEmailChangeTaken tells an address that already has an account, whose name is username,
	// that another account asked to move to it, with links to sign in and to reset the password.
	SendEmailChangeTaken(ctx context.Context, lang, to, username, signInLink, resetLink string) error
	// SendEmailChangeRequested tells the current address that a move to newEmail was asked for,
	// to happen if the link sent there is used within validFor, with links to reset the password
	// (which cancels the change) and to the account page.
	SendEmailChangeRequested(ctx context.Context, lang, to, username, newEmail, resetLink, accountLink string, validFor time.Duration) error
	// SendEmailChanged tells the old address that the account moved to newEmail at at.
	SendEmailChanged(ctx context.Context, lang, to, username, newEmail string, at time.Time) error
}

func (s *Service) confirmLink(token string) string {
	return s.cfg.FrontendURL + "/confirm-email#token=" + token
}

func (s *Service) pageLink(path string) string { return s.cfg.FrontendURL + path }

// deliverEmailChange sends the mail of change request m to its new address: nothing when the
// request is void (its account is gone, a newer request replaced it, or a password change
// since revoked it); else, under the address's limits, a notice when the address has an account,
// or the link, whose token is made now and only its hash stored in the pending change.
func (s *Service) deliverEmailChange(ctx context.Context, m *ent.OutboxMail) error {
	u, change, err := s.pendingChange(ctx, m)
	if err != nil || change == nil {
		return err
	}
	owner, err := s.userByEmail(ctx, m.Recipient)
	if err != nil {
		return err
	}
	if owner != nil && owner.ID == u.ID {
		return nil // moved there already
	}
	if ok, err := s.admitAddressChange(ctx, m); !ok || err != nil {
		return err
	}
	if owner != nil {
		return s.mailer.SendEmailChangeTaken(ctx, owner.Locale, owner.Email, owner.Username, s.pageLink("/login"), s.pageLink("/forgot-password"))
	}
	token, hash := NewResetToken()
	n, err := s.db.EmailChange.Update().
		Where(emailchange.ID(change.ID), emailchange.RequestID(m.ID)).
		SetTokenHash(hash).
		SetExpiresAt(s.now().Add(s.cfg.VerificationTokenTTL)).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("store email change token: %w", err)
	}
	if n != 1 {
		return nil // replaced by a newer request meanwhile
	}
	return s.mailer.SendEmailChangeLink(ctx, u.Locale, m.Recipient, u.Username, s.confirmLink(token), s.cfg.VerificationTokenTTL)
}

// pendingChange returns m's account and its pending change, or a nil change when m is void.
func (s *Service) pendingChange(ctx context.Context, m *ent.OutboxMail) (*ent.User, *ent.EmailChange, error) {
	if m.UserID == nil {
		return nil, nil, fmt.Errorf("email change mail %d has no account", m.ID)
	}
	u, err := s.db.User.Get(ctx, *m.UserID)
	if ent.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find account of email change: %w", err)
	}
	change, err := s.db.EmailChange.Query().
		Where(emailchange.UserID(u.ID), emailchange.RequestID(m.ID), emailchange.SessionVersion(u.SessionVersion)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return u, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find email change: %w", err)
	}
	return u, change, nil
}

// userByEmail returns the account whose address is email, or nil.
func (s *Service) userByEmail(ctx context.Context, email string) (*ent.User, error) {
	u, err := s.db.User.Query().Where(user.Email(email)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find account by email: %w", err)
	}
	return u, nil
}

// admitAddressChange applies the per-address limits to m, a mail of an address change, and
// records it when allowed. It reports whether m may go out.
func (s *Service) admitAddressChange(ctx context.Context, m *ent.OutboxMail) (bool, error) {
	if m.Accepted {
		return true, nil
	}
	row, a, err := s.addressAllowance(ctx, m.Recipient)
	if err != nil {
		return false, err
	}
	return s.admit(ctx, m, a, func(next mailCounters) spendFunc { return s.spendAddress(m.Recipient, row, next) })
}

// admit asks mayMail whether m may go to an address whose allowance is a, and records it with
// acceptMail, spending by spend, when it may. It reports whether m may go out.
func (s *Service) admit(ctx context.Context, m *ent.OutboxMail, a mailCounters, spend func(mailCounters) spendFunc) (bool, error) {
	if m.Accepted {
		return true, nil
	}
	if ok, why := s.mayMail(a, m.RequestedAt); !ok {
		s.log.InfoContext(ctx, string(m.Kind)+" mail skipped: "+why, "mail_id", m.ID)
		return false, nil
	}
	if err := s.acceptMail(ctx, m, spend(a.after(m.RequestedAt))); err != nil {
		return false, err
	}
	return true, nil
}

// deliverChangeNotice tells the account's current address, under its limits, that a change was
// asked for. It sends nothing when the account is gone or its address changed since.
func (s *Service) deliverChangeNotice(ctx context.Context, m *ent.OutboxMail) error {
	if m.UserID == nil {
		return fmt.Errorf("email change notice %d has no account", m.ID)
	}
	u, err := s.db.User.Get(ctx, *m.UserID)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find account of email change notice: %w", err)
	}
	if u.Email != m.Recipient {
		return nil
	}
	if ok, err := s.admitAddressChange(ctx, m); !ok || err != nil {
		return err
	}
	return s.mailer.SendEmailChangeRequested(ctx, u.Locale, u.Email, u.Username, m.NewEmail,
		s.pageLink("/forgot-password"), s.pageLink("/account"), s.cfg.VerificationTokenTTL)
}

// sendEmailChanged tells the old address that the account moved. It is not limited: each one
// follows a confirmation, which needed a link that was.
func (s *Service) sendEmailChanged(ctx context.Context, m *ent.OutboxMail) error {
	return s.mailer.SendEmailChanged(ctx, m.Locale, m.Recipient, m.Username, m.NewEmail, m.RequestedAt.UTC())
}
