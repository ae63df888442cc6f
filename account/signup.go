package account

import (
	"context"
	"fmt"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/schema"
	"latchkey/ent/user"
	"latchkey/locale"
)

// SignUpMessage is the one answer signUp gives for every valid input.
const SignUpMessage = "Check your inbox to finish creating your account."

// How a sign-up becomes an account. SignUp checks the input, hashes the password and queues the
// request without looking at the address: the same statements whether or not it has an account.
// The outbox hands the request to deliverSignUp, which decides: an address with an account gets
// a notice, under the account's reset-mail allowance (mayMailReset, acceptReset); a new address
// gets a link, recorded in its pending sign-up under the same limits (signupmail.go). Only
// VerifyEmail, with that link, creates the account.

// SignUpMailer sends the mails of sign-up and address verification; the email package
// satisfies it as part of Mailer.
type SignUpMailer interface {
	// SendSignUpLink mails the link that creates the account username, valid for validFor.
	SendSignUpLink(ctx context.Context, lang, to, username, link string, validFor time.Duration) error
	// SendSignUpNotice tells the owner of an account that someone tried to sign up with its
	// address, with the links to sign in and to reset the password.
	SendSignUpNotice(ctx context.Context, lang, to, username, signInLink, resetLink string) error
	// SendVerificationLink mails the link that proves the account's address, valid for validFor.
	SendVerificationLink(ctx context.Context, lang, to, username, link string, validFor time.Duration) error
}

// Register creates an account and signs it in, when REGISTRATION=instant.
// Errors: FORBIDDEN (REGISTRATION=verified), BAD_USER_INPUT (username, email, password, locale), RATE_LIMITED.
func (s *Service) Register(ctx context.Context, username, email, password string, lang *string) (*Session, error) {
	if s.cfg.Registration == RegistrationVerified {
		return nil, errRegisterForbidden
	}
	if err := s.allow(ctx, opRegister); err != nil {
		return nil, err
	}
	chosen, err := chooseLocale(ctx, lang)
	if err != nil {
		return nil, err
	}
	u, err := s.CreateUser(locale.NewContext(ctx, chosen), username, email, password)
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// SignUp asks for an account for email: it answers SignUpMessage whether or not the address
// has one, and does the same work either way (a look-up of the username, which is public, one
// password hash and one outbox insert), so neither its answer nor its timing tells.
// Errors: BAD_USER_INPUT (username, email, password, locale), RATE_LIMITED.
func (s *Service) SignUp(ctx context.Context, username, email, password string, lang *string) (string, error) {
	if err := s.allow(ctx, opRegister); err != nil {
		return "", err
	}
	chosen, localeErr := chooseLocale(ctx, lang)
	email, err := s.checkNewAccount(ctx, username, email, password, neverLookUpEmail)
	if err == nil {
		err = localeErr // the input's last field
	}
	if err != nil {
		return "", err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return "", err
	}
	now := s.now()
	err = s.cfg.Outbox.Add(ctx, s.db.OutboxMail.Create().
		SetKind(outboxmail.KindSignUp).
		SetRecipient(email).
		SetUsername(username).
		SetPasswordHash(hash).
		SetLocale(chosen).
		SetRequestedAt(now).
		SetNextAttemptAt(now))
	if err != nil {
		return "", fmt.Errorf("queue sign-up: %w", err)
	}
	s.cfg.Observer.MailEvent(string(outboxmail.KindSignUp), "queued")
	s.cfg.Outbox.Wake()
	return SignUpMessage, nil
}

// emailLookup says whether checkNewAccount may say that an address has an account: register
// does (its insert would say so anyway), signUp never.
type emailLookup bool

const (
	lookUpEmail      emailLookup = true
	neverLookUpEmail emailLookup = false
)

// checkNewAccount checks the input of a new account and answers every field at fault at once,
// in the input's order, with the normalised email. The username, which is public, is looked up
// whenever it is well-formed; the email only with lookUpEmail, so that for signUp which errors
// come back tells nothing of it.
func (s *Service) checkNewAccount(ctx context.Context, username, email, password string, lookup emailLookup) (string, error) {
	var bad inputErrors
	nameErr := validUsername(username)
	if nameErr == nil {
		taken, err := s.usernameTaken(ctx, s.db.User, username)
		if err != nil {
			return "", err
		}
		if taken {
			nameErr = errUsernameTaken
		}
	}
	_ = bad.add(nameErr)
	email, err := normalizeEmail("email", email)
	if err == nil && lookup == lookUpEmail {
		taken, lookErr := s.db.User.Query().Where(user.Email(email)).Exist(ctx)
		if lookErr != nil {
			return "", fmt.Errorf("find email: %w", lookErr)
		}
		if taken {
			err = errEmailTaken
		}
	}
	_ = bad.add(err)
	_ = bad.add(s.checkPassword("password", password))
	return email, bad.err()
}

// usernameTaken reports whether an account has username, whatever its case. Pending sign-ups
// are not looked at: they reserve no username.
func (s *Service) usernameTaken(ctx context.Context, users *ent.UserClient, username string) (bool, error) {
	taken, err := users.Query().Where(user.UsernameKey(schema.UsernameKey(username))).Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("find username: %w", err)
	}
	return taken, nil
}

// deliverSignUp decides a sign-up request m. An address with an account gets a notice, under
// the limits of the account's reset mail; a new one a link (deliverSignUpLink).
func (s *Service) deliverSignUp(ctx context.Context, m *ent.OutboxMail) error {
	u, err := s.db.User.Query().Where(user.Email(m.Recipient)).Only(ctx)
	if ent.IsNotFound(err) {
		return s.deliverSignUpLink(ctx, m)
	}
	if err != nil {
		return fmt.Errorf("find sign-up recipient: %w", err)
	}
	if ok, why := s.mayMailReset(u, m); !ok {
		s.log.InfoContext(ctx, "sign-up notice skipped: "+why, "user_id", u.ID)
		return nil
	}
	if !m.Accepted {
		if err := s.acceptReset(ctx, u, m); err != nil {
			return err
		}
	}
	return s.mailer.SendSignUpNotice(ctx, u.Locale, u.Email, u.Username, s.cfg.FrontendURL+"/login", s.cfg.FrontendURL+"/forgot-password")
}

func (s *Service) verifyLink(token string) string {
	return s.cfg.FrontendURL + "/verify-email#token=" + token
}
