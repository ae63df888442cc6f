package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/passwordresettoken"
	"latchkey/ent/predicate"
	"latchkey/ent/session"
	"latchkey/ent/user"
)

// ForgotPasswordMessage is the one answer forgotPassword gives for every well-formed email.
const ForgotPasswordMessage = "If an account exists with this email, you will receive password reset instructions."

// errUserChanged: the user was deleted, or their password changed, since the caller looked.
var errUserChanged = errors.New("user changed concurrently")

const (
	resetTokenBytes = 32 // 256 bits
	resetTokenLen   = 43 // base64url without padding of 32 bytes
)

// NewResetToken returns a fresh reset token and the SHA-256 hex digest that is stored in its place.
func NewResetToken() (token, hash string) {
	b := make([]byte, resetTokenBytes)
	_, _ = rand.Read(b) // never fails on supported platforms
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashResetToken(token)
}

// HashResetToken returns the stored form of a reset token.
func HashResetToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormedResetToken rejects what we never issue before the database sees it.
func wellFormedResetToken(token string) bool {
	if len(token) != resetTokenLen {
		return false
	}
	// The decoder skips \r and \n even in strict mode, so check what it decoded, too.
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && len(b) == resetTokenBytes
}

func (s *Service) resetLink(token string) string {
	return s.cfg.FrontendURL + "/reset-password#token=" + token
}

// CheckResetToken tells whether token can still reset a password, without spending it.
// Errors: RATE_LIMITED.
func (s *Service) CheckResetToken(ctx context.Context, token string) (valid bool, expiresAt time.Time, err error) {
	if err := s.allow(ctx, opCheckResetToken); err != nil {
		return false, time.Time{}, err
	}
	if !wellFormedResetToken(token) {
		return false, time.Time{}, nil
	}
	t, err := s.db.PasswordResetToken.Query().
		Where(passwordresettoken.TokenHash(HashResetToken(token)), passwordresettoken.ExpiresAtGT(s.now())).
		Only(ctx)
	if ent.IsNotFound(err) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("find reset token: %w", err)
	}
	return true, t.ExpiresAt.UTC(), nil
}

// ResetPassword sets a new password with a reset token. Spending the token is one conditional
// delete inside the transaction that sets the password, so of two concurrent calls only one wins.
// Every reset token and access token of the user stops working.
// Errors: INVALID_RESET_TOKEN, BAD_USER_INPUT (newPassword), RATE_LIMITED.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	if err := s.allow(ctx, opResetPassword); err != nil {
		return err
	}
	if !wellFormedResetToken(token) {
		return errInvalidResetToken
	}
	if err := s.checkPassword("newPassword", newPassword); err != nil {
		return err
	}
	hash, err := s.hash(ctx, newPassword)
	if err != nil {
		return err
	}
	tokenHash := HashResetToken(token)
	var u *ent.User
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		now := s.now()
		t, err := tx.PasswordResetToken.Query().Where(passwordresettoken.TokenHash(tokenHash)).Only(ctx)
		if ent.IsNotFound(err) {
			return errInvalidResetToken
		}
		if err != nil {
			return fmt.Errorf("find reset token: %w", err)
		}
		spent, err := tx.PasswordResetToken.Delete().
			Where(passwordresettoken.ID(t.ID), passwordresettoken.ExpiresAtGT(now)).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("spend reset token: %w", err)
		}
		if spent != 1 {
			return errInvalidResetToken
		}
		// The link came by mail, so the owner has proved the mailbox too.
		u, err = s.setPassword(ctx, tx, t.UserID, hash, proveMailbox, user.Disabled(false))
		if err == errUserChanged {
			return errInvalidResetToken
		}
		return err
	})
	if err != nil {
		return err
	}
	s.cfg.Observer.MailEvent(string(outboxmail.KindPasswordChanged), "queued")
	s.cfg.Outbox.Wake()
	s.log.InfoContext(ctx, "password reset", "user_id", u.ID)
	// The owner has proved the mailbox: let them sign in at once from any device.
	if err := s.failures.clearAccount(ctx, s.accountKey(u.Email)); err != nil {
		s.log.WarnContext(ctx, "login failures not cleared after reset", "user_id", u.ID, "error", err)
	}
	return nil
}

// ChangePassword changes the signed-in user's password and returns a fresh session; every other
// access token and reset token of the user stops working.
// Errors: UNAUTHENTICATED, BAD_USER_INPUT (currentPassword, newPassword), RATE_LIMITED.
func (s *Service) ChangePassword(ctx context.Context, current, newPassword string) (*Session, error) {
	u, err := s.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	// Both fields are answered at once; the current password is checked (and counted) either way.
	var bad inputErrors
	if err := bad.add(s.verifyCurrent(ctx, u, "currentPassword", current)); err != nil {
		return nil, err
	}
	_ = bad.add(s.checkPassword("newPassword", newPassword))
	if err := bad.err(); err != nil {
		return nil, err
	}
	hash, err := s.hash(ctx, newPassword)
	if err != nil {
		return nil, err
	}
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		// Only if nothing changed the password since it was checked above.
		u, err = s.setPassword(ctx, tx, u.ID, hash, mailboxUnproved, user.SessionVersion(u.SessionVersion))
		if err == errUserChanged {
			return errUnauthenticated
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	s.cfg.Observer.MailEvent(string(outboxmail.KindPasswordChanged), "queued")
	s.cfg.Outbox.Wake()
	s.log.InfoContext(ctx, "password changed", "user_id", u.ID)
	return s.startSession(ctx, u)
}

// mailboxProof says whether a password change also proves the owner reads the account's mail.
type mailboxProof bool

const (
	proveMailbox    mailboxProof = true
	mailboxUnproved mailboxProof = false
)

// setPassword stores a new hash, revokes every session and reset token of the user and
// queues the "password changed" mail (at most one per PasswordNoticeInterval), all in tx.
func (s *Service) setPassword(ctx context.Context, tx *ent.Tx, userID int, hash string, proof mailboxProof, guards ...predicate.User) (*ent.User, error) {
	update := tx.User.Update().
		Where(append(guards, user.ID(userID))...).
		SetPasswordHash(hash).
		AddSessionVersion(1)
	if proof == proveMailbox {
		update.SetEmailVerified(true)
	}
	n, err := update.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("set password: %w", err)
	}
	if n != 1 {
		return nil, errUserChanged
	}
	u, err := tx.User.Get(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("reload user: %w", err)
	}
	if _, err := s.endCredentials(ctx, tx, userID); err != nil {
		return nil, err
	}
	if err := s.queuePasswordNotice(ctx, tx, u, s.now()); err != nil {
		return nil, fmt.Errorf("queue changed mail: %w", err)
	}
	return u, nil
}

// endCredentials ends every session and reset token of the user, in tx, and returns how many
// sessions it ended: what securing the account after a password or address change asks, and
// disabling it.
func (s *Service) endCredentials(ctx context.Context, tx *ent.Tx, userID int) (int, error) {
	if _, err := tx.PasswordResetToken.Delete().Where(passwordresettoken.UserID(userID)).Exec(ctx); err != nil {
		return 0, fmt.Errorf("delete reset tokens: %w", err)
	}
	return s.revokeSessions(ctx, tx, session.UserID(userID))
}

// DeleteExpiredResetTokens deletes the reset tokens that can no longer be spent, logging how many.
func (s *Service) DeleteExpiredResetTokens(ctx context.Context) {
	n, err := s.db.PasswordResetToken.Delete().Where(passwordresettoken.ExpiresAtLTE(s.now())).Exec(ctx)
	s.logCleanup(ctx, "reset tokens", n, err)
}

// logCleanup logs the outcome of deleting n expired rows of what.
func (s *Service) logCleanup(ctx context.Context, what string, n int, err error) {
	if err != nil {
		s.log.WarnContext(ctx, "delete expired "+what, "error", err)
	} else if n > 0 {
		s.log.InfoContext(ctx, "deleted expired "+what, "count", n)
	}
}
