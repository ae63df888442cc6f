package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"latchkey/ent"
	"latchkey/ent/user"
	"latchkey/locale"
)

// CreateUser creates an account without signing it in: Register's work, minus the rate limit,
// for operators (server createuser, server populate).
// Errors: BAD_USER_INPUT (username, email, password).
func (s *Service) CreateUser(ctx context.Context, username, email, password string) (*ent.User, error) {
	email, err := s.checkNewAccount(ctx, username, email, password, lookUpEmail)
	if err != nil {
		return nil, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	var created *ent.User
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		// Again inside the transaction: an account may have taken either since.
		var bad inputErrors
		if taken, err := s.usernameTaken(ctx, tx.User, username); err != nil {
			return err
		} else if taken {
			_ = bad.add(errUsernameTaken)
		}
		if taken, err := tx.User.Query().Where(user.Email(email)).Exist(ctx); err != nil {
			return fmt.Errorf("find email: %w", err)
		} else if taken {
			_ = bad.add(errEmailTaken)
		}
		if err := bad.err(); err != nil {
			return err
		}
		created, err = tx.User.Create().SetUsername(username).SetEmail(email).SetPasswordHash(hash).
			SetLocale(locale.FromContext(ctx)).Save(ctx)
		if ent.IsConstraintError(err) {
			return takenBy(err)
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "account created", "user_id", created.ID)
	return created, nil
}

var (
	errEmailTaken    = badInput("email", "An account with this email already exists")
	errUsernameTaken = badInput("username", "This username is taken")
)

// takenBy names the input a unique-constraint violation is about: the checks above miss a
// registration that commits between them and the insert, which only the database's unique
// indexes on email and username_key catch. Both drivers name the index or column that failed.
func takenBy(err error) error {
	if strings.Contains(err.Error(), "username") {
		return errUsernameTaken
	}
	return errEmailTaken
}

// Login signs in with email and password. An unknown email costs one password hash too, so the
// answer's timing does not tell whether the account exists; a disabled account is unknown here. deviceToken, when it is one this
// address was given at an earlier sign-in, keeps the check clear of failures made elsewhere.
// Errors: UNAUTHENTICATED, RATE_LIMITED.
func (s *Service) Login(ctx context.Context, email, password, deviceToken string) (*Session, error) {
	email, err := normalizeEmail("email", email)
	if err != nil {
		if err := s.allow(ctx, opLogin); err != nil {
			return nil, err
		}
		return nil, errBadCredentials
	}
	u, err := s.db.User.Query().Where(user.Email(email)).Only(ctx)
	if ent.IsNotFound(err) {
		u, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	if u != nil && u.Disabled {
		u = nil // answered as an unknown address is: one dummy hash, the same refusal
	}
	ok, needsRehash, err := s.verifyPassword(ctx, passwordCheck{email: email, user: u, password: password, device: deviceToken})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errBadCredentials
	}
	if needsRehash {
		s.upgradeHash(ctx, u, password)
	}
	return s.startSession(ctx, u)
}

// upgradeHash re-hashes a password stored with older parameters; a failure only costs the upgrade.
func (s *Service) upgradeHash(ctx context.Context, u *ent.User, password string) {
	hash, err := s.hash(ctx, password)
	if err == nil {
		err = s.db.User.UpdateOneID(u.ID).Where(user.PasswordHash(u.PasswordHash)).SetPasswordHash(hash).Exec(ctx)
	}
	if err != nil && !ent.IsNotFound(err) {
		s.log.WarnContext(ctx, "password hash upgrade failed", "user_id", u.ID, "error", err)
		return
	}
	u.PasswordHash = hash
}

// DeleteAccount deletes the signed-in user; the database deletes their reset tokens with it.
// Errors: UNAUTHENTICATED, BAD_USER_INPUT (password), RATE_LIMITED.
func (s *Service) DeleteAccount(ctx context.Context, password string) error {
	u, err := s.CurrentUser(ctx)
	if err != nil {
		return err
	}
	if err := s.verifyCurrent(ctx, u, "password", password); err != nil {
		return err
	}
	if err := s.db.User.DeleteOneID(u.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("delete user: %w", err)
	}
	s.log.InfoContext(ctx, "account deleted", "user_id", u.ID)
	return nil
}

// verifyCurrent checks the signed-in user's password before a sensitive change.
// Errors: BAD_USER_INPUT (field), RATE_LIMITED.
func (s *Service) verifyCurrent(ctx context.Context, u *ent.User, field, password string) error {
	ok, _, err := s.verifyPassword(ctx, passwordCheck{email: u.Email, user: u, password: password, signedIn: true})
	if err != nil {
		return err
	}
	if !ok {
		return badInput(field, "Current password is incorrect")
	}
	return nil
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return "", s.hashError(err)
	}
	return h, nil
}

// hashError turns a full hashing queue into RATE_LIMITED rather than letting memory run out.
// A request whose deadline passed while it waited stays UNAVAILABLE: the server is slow, not
// the client too eager.
func (s *Service) hashError(err error) error {
	if errors.Is(err, ErrHasherBusy) && !errors.Is(err, context.DeadlineExceeded) {
		s.cfg.Observer.RateLimited("password_hashing")
		return rateLimited(time.Second)
	}
	return fmt.Errorf("password hash: %w", err)
}
