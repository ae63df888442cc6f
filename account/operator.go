package account

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"latchkey/ent"
	"latchkey/ent/emailchange"
	"latchkey/ent/emailverificationtoken"
	"latchkey/ent/session"
	"latchkey/ent/user"
)

// The operator's commands (server users …): they trust whoever runs them, so they are neither
// rate limited nor answered in the generic words a stranger gets.

// ErrNoSuchAccount: no account has the address an operator named.
var ErrNoSuchAccount = errors.New("no account has this email")

// ListUsers returns the accounts whose username or address contains search, whatever its case
// (every account for ""), oldest first.
func (s *Service) ListUsers(ctx context.Context, search string) ([]*ent.User, error) {
	q := s.db.User.Query().Order(ent.Asc(user.FieldID))
	if search = strings.ToLower(strings.TrimSpace(search)); search != "" {
		// Both columns are stored lower-cased: username_key for the username, email itself.
		q = q.Where(user.Or(user.UsernameKeyContains(search), user.EmailContains(search)))
	}
	users, err := q.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// AccountChange is what DisableUser or EnableUser did.
type AccountChange struct {
	User          *ent.User
	Changed       bool // false: the account was in that state already
	SessionsEnded int
}

// DisableUser disables the account with email: it cannot sign in, refresh or be mailed, its
// access tokens are refused from the next request, and every session, reset link, verification
// link and pending address change of it ends, in one transaction.
func (s *Service) DisableUser(ctx context.Context, email string) (AccountChange, error) {
	var out AccountChange
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		u, err := s.operatorFind(ctx, tx.User, email)
		if err != nil {
			return err
		}
		if !u.Disabled {
			if u, err = tx.User.UpdateOne(u).SetDisabled(true).Save(ctx); err != nil {
				return fmt.Errorf("disable user: %w", err)
			}
			out.Changed = true
		}
		out.User = u
		if out.SessionsEnded, err = s.endCredentials(ctx, tx, u.ID); err != nil {
			return err
		}
		return deleteAddressLinks(ctx, tx, u.ID)
	})
	if err != nil {
		return AccountChange{}, err
	}
	s.log.InfoContext(ctx, "account disabled", "user_id", out.User.ID, "sessions", out.SessionsEnded)
	return out, nil
}

// deleteAddressLinks deletes the account's unused verification links and pending address
// changes (endCredentials takes the reset links).
func deleteAddressLinks(ctx context.Context, tx *ent.Tx, userID int) error {
	if _, err := tx.EmailVerificationToken.Delete().Where(emailverificationtoken.UserID(userID)).Exec(ctx); err != nil {
		return fmt.Errorf("delete verification tokens: %w", err)
	}
	if _, err := tx.EmailChange.Delete().Where(emailchange.UserID(userID)).Exec(ctx); err != nil {
		return fmt.Errorf("delete address changes: %w", err)
	}
	return nil
}

// EnableUser undoes DisableUser: the account may sign in again; ended sessions stay ended.
func (s *Service) EnableUser(ctx context.Context, email string) (AccountChange, error) {
	var out AccountChange
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		u, err := s.operatorFind(ctx, tx.User, email)
		if err != nil || !u.Disabled {
			out.User = u
			return err
		}
		out.User, err = tx.User.UpdateOne(u).SetDisabled(false).Save(ctx)
		out.Changed = true
		if err != nil {
			return fmt.Errorf("enable user: %w", err)
		}
		return nil
	})
	if err != nil {
		return AccountChange{}, err
	}
	s.log.InfoContext(ctx, "account enabled", "user_id", out.User.ID)
	return out, nil
}

// FindUser returns the account with email, and how many of its sessions are active.
func (s *Service) FindUser(ctx context.Context, email string) (*ent.User, int, error) {
	u, err := s.operatorFind(ctx, s.db.User, email)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.db.Session.Query().Where(session.UserID(u.ID), s.activeSession()).Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("count sessions: %w", err)
	}
	return u, n, nil
}

// DeleteUser deletes the account with email; the database deletes its sessions, refresh
// tokens and links with it.
func (s *Service) DeleteUser(ctx context.Context, email string) (*ent.User, error) {
	u, err := s.operatorFind(ctx, s.db.User, email)
	if err != nil {
		return nil, err
	}
	if err := s.db.User.DeleteOne(u).Exec(ctx); ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchAccount, u.Email)
	} else if err != nil {
		return nil, fmt.Errorf("delete user: %w", err)
	}
	s.log.InfoContext(ctx, "account deleted by an operator", "user_id", u.ID)
	return u, nil
}

// operatorFind reads the account with email, normalised as at sign-up.
func (s *Service) operatorFind(ctx context.Context, users *ent.UserClient, email string) (*ent.User, error) {
	email, err := normalizeEmail("email", email)
	if err != nil {
		return nil, err
	}
	u, err := users.Query().Where(user.Email(email)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchAccount, email)
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}
