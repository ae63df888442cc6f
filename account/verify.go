package account

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"latchkey/ent"
	"latchkey/ent/emailverificationtoken"
	"latchkey/ent/outboxmail"
	"latchkey/ent/pendingsignup"
	"latchkey/ent/user"
)

// Answers of sendVerificationEmail.
const (
	VerificationSentMessage = "Check your inbox for a link to verify your email address."
	AlreadyVerifiedMessage  = "Your email address is already verified."
)

var (
	// errUsernameTakenSince: the sign-up's username went to another account before its link was
	// used. The link stays valid, to be used with another username.
	errUsernameTakenSince = badInput("username", "This username was taken since you signed up: choose another")
	// errAccountExistsSince: an account got the address (an instant register, say) before the
	// link was used. Only the mailbox's owner can get this far, so it may say so.
	errAccountExistsSince = &Error{Code: CodeInvalidVerificationToken,
		Message: "An account with this email already exists: sign in, or reset the password if you do not know it"}
	errNoSuchSignUp = errors.New("no pending sign-up has this token")
)

// VerifyEmail spends a token from a verification link and signs in: a sign-up's token creates
// the account, with the address verified; an account's (sendVerificationEmail) marks its
// address verified. Spending is one conditional delete inside the transaction that writes the
// account, so of any number of concurrent calls with one token exactly one succeeds. username,
// when not empty, replaces the one the sign-up chose, for when that one was taken since.
// Errors: INVALID_VERIFICATION_TOKEN, BAD_USER_INPUT (username), RATE_LIMITED.
func (s *Service) VerifyEmail(ctx context.Context, token, username string) (*Session, error) {
	if err := s.allow(ctx, opResetPassword); err != nil {
		return nil, err
	}
	if !wellFormedResetToken(token) {
		return nil, errInvalidVerificationToken
	}
	if username != "" {
		if err := validUsername(username); err != nil {
			return nil, err
		}
	}
	hash := HashResetToken(token)
	u, err := s.createFromSignUp(ctx, hash, username)
	if errors.Is(err, errNoSuchSignUp) {
		u, err = s.verifyAccount(ctx, hash)
	}
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// createFromSignUp creates the account of the pending sign-up whose token hashes to hash.
func (s *Service) createFromSignUp(ctx context.Context, hash, username string) (*ent.User, error) {
	var created *ent.User
	addressTaken := false
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		p, err := tx.PendingSignup.Query().Where(pendingsignup.TokenHash(hash)).Only(ctx)
		if ent.IsNotFound(err) {
			return errNoSuchSignUp
		}
		if err != nil {
			return fmt.Errorf("find pending sign-up: %w", err)
		}
		spent, err := tx.PendingSignup.Delete().
			Where(pendingsignup.ID(p.ID), pendingsignup.TokenHash(hash), pendingsignup.ExpiresAtGT(s.now())).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("spend verification token: %w", err)
		}
		if spent != 1 {
			return errInvalidVerificationToken
		}
		if addressTaken, err = tx.User.Query().Where(user.Email(p.Email)).Exist(ctx); err != nil || addressTaken {
			return err // taken: commit, so the link is spent, and create nothing
		}
		name := cmp.Or(username, p.Username)
		if taken, err := s.usernameTaken(ctx, tx.User, name); err != nil {
			return err
		} else if taken {
			return errUsernameTakenSince
		}
		created, err = tx.User.Create().
			SetUsername(name).
			SetEmail(p.Email).
			SetPasswordHash(p.PasswordHash).
			SetLocale(p.Locale).
			SetEmailVerified(true).
			Save(ctx)
		if ent.IsConstraintError(err) {
			// Another account committed the username or the address since the checks above;
			// the link stays unspent, and the next try says which.
			if takenBy(err) == errUsernameTaken {
				return errUsernameTakenSince
			}
			return errAccountExistsSince
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if addressTaken {
		return nil, errAccountExistsSince
	}
	s.log.InfoContext(ctx, "account created", "user_id", created.ID, "verified", true)
	return created, nil
}

// verifyAccount marks verified the address of the account whose verification token hashes to
// hash, if the account still has the address the link was mailed to.
func (s *Service) verifyAccount(ctx context.Context, hash string) (*ent.User, error) {
	var u *ent.User
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		t, err := tx.EmailVerificationToken.Query().Where(emailverificationtoken.TokenHash(hash)).Only(ctx)
		if ent.IsNotFound(err) {
			return errInvalidVerificationToken
		}
		if err != nil {
			return fmt.Errorf("find verification token: %w", err)
		}
		spent, err := tx.EmailVerificationToken.Delete().
			Where(emailverificationtoken.ID(t.ID), emailverificationtoken.ExpiresAtGT(s.now())).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("spend verification token: %w", err)
		}
		if spent != 1 {
			return errInvalidVerificationToken
		}
		n, err := tx.User.Update().Where(user.ID(t.UserID), user.Email(t.Email), user.Disabled(false)).SetEmailVerified(true).Save(ctx)
		if err != nil {
			return fmt.Errorf("verify address: %w", err)
		}
		if n != 1 {
			return errInvalidVerificationToken // the account is gone, disabled, or has another address now
		}
		u, err = tx.User.Get(ctx, t.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "email verified", "user_id", u.ID)
	return u, nil
}

// SendVerificationEmail queues a link that proves the signed-in account's address. It sends
// nothing for an address already verified, and is limited silently like reset mail: the mail
// spends the account's reset-mail allowance.
// Errors: UNAUTHENTICATED, RATE_LIMITED.
func (s *Service) SendVerificationEmail(ctx context.Context) (string, error) {
	u, err := s.CurrentUser(ctx)
	if err != nil {
		return "", err
	}
	if u.EmailVerified {
		return AlreadyVerifiedMessage, nil
	}
	if err := s.allow(ctx, opForgotPassword); err != nil {
		return "", err
	}
	now := s.now()
	err = s.cfg.Outbox.Add(ctx, s.db.OutboxMail.Create().
		SetKind(outboxmail.KindEmailVerification).
		SetUserID(u.ID).
		SetRecipient(u.Email).
		SetUsername(u.Username).
		SetRequestedAt(now).
		SetNextAttemptAt(now))
	if err != nil {
		return "", fmt.Errorf("queue verification mail: %w", err)
	}
	s.cfg.Observer.MailEvent(string(outboxmail.KindEmailVerification), "queued")
	s.cfg.Outbox.Wake()
	return VerificationSentMessage, nil
}

// deliverVerification mails the link asked for by m, unless the account is gone, has another
// address or a verified one by now, or the reset-mail limits refuse. A new link replaces older ones.
func (s *Service) deliverVerification(ctx context.Context, m *ent.OutboxMail) error {
	if m.UserID == nil {
		return nil
	}
	u, err := s.db.User.Get(ctx, *m.UserID)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find verification recipient: %w", err)
	}
	if u.Email != m.Recipient || u.EmailVerified {
		return nil
	}
	if ok, why := s.mayMailReset(u, m); !ok {
		s.log.InfoContext(ctx, "verification mail skipped: "+why, "user_id", u.ID)
		return nil
	}
	if !m.Accepted {
		if err := s.acceptReset(ctx, u, m); err != nil {
			return err
		}
	}
	token, hash := NewResetToken()
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		if _, err := tx.EmailVerificationToken.Delete().Where(emailverificationtoken.UserID(u.ID)).Exec(ctx); err != nil {
			return fmt.Errorf("delete older verification tokens: %w", err)
		}
		return tx.EmailVerificationToken.Create().
			SetUserID(u.ID).
			SetEmail(u.Email).
			SetTokenHash(hash).
			SetExpiresAt(s.now().Add(s.cfg.VerificationTokenTTL)).
			Exec(ctx)
	})
	if err != nil {
		return err
	}
	return s.mailer.SendVerificationLink(ctx, u.Locale, u.Email, u.Username, s.verifyLink(token), s.cfg.VerificationTokenTTL)
}
