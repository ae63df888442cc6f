package account

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"latchkey/ent"
	"latchkey/ent/refreshtoken"
	"latchkey/ent/session"
	"latchkey/ent/user"
)

// errRefreshRace: another refresh with the same token committed first; trying again finds it
// used, within the grace interval.
var errRefreshRace = errors.New("refresh token rotated concurrently")

// RefreshSession exchanges a refresh token for a new access token and a new refresh token of
// the same session (OAuth 2.0 Security BCP rotation). A used token presented again within
// RefreshReuseGrace gets the same answer as the first time, so that two tabs may refresh at once;
// later, it is taken for a stolen copy and the session ends.
// Errors: UNAUTHENTICATED.
func (s *Service) RefreshSession(ctx context.Context, token string) (*Session, error) {
	if !wellFormedResetToken(token) { // the same shape: 256 random bits
		return nil, errUnauthenticated
	}
	hash := HashResetToken(token)
	out, err := s.refreshOnce(ctx, hash)
	if errors.Is(err, errRefreshRace) {
		out, err = s.refreshOnce(ctx, hash) // now finds the token used, by the race's winner
	}
	if errors.Is(err, errRefreshRace) {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	return out, err
}

type refreshOutcome struct {
	user    *ent.User
	sess    *ent.Session
	refresh string
	iat     time.Time
	reused  bool
}

func (s *Service) refreshOnce(ctx context.Context, hash string) (*Session, error) {
	var out refreshOutcome
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		rt, err := tx.RefreshToken.Query().Where(refreshtoken.TokenHash(hash)).WithSession().Only(ctx)
		if ent.IsNotFound(err) {
			return errUnauthenticated
		}
		if err != nil {
			return fmt.Errorf("find refresh token: %w", err)
		}
		now := s.now().Truncate(time.Second)
		sess := rt.Edges.Session
		out.sess = sess
		if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) || !now.Before(sess.RefreshExpiresAt) {
			return errUnauthenticated
		}
		if out.user, err = tx.User.Query().Where(user.ID(sess.UserID)).Select(currentUserColumns...).Only(ctx); err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		if out.user.Disabled {
			return errUnauthenticated
		}
		switch {
		case rt.UsedAt == nil:
			return s.rotate(ctx, tx, rt, sess, now, &out)
		case rt.SuccessorSealed != nil && now.Sub(*rt.UsedAt) <= s.cfg.RefreshReuseGrace:
			if err := s.replay(ctx, tx, rt, sess, &out); err == nil || !errors.Is(err, errSuccessorGone) {
				return err
			}
		}
		out.reused = true
		_, err = s.revokeSessions(ctx, tx, session.ID(sess.ID))
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.reused {
		s.log.WarnContext(ctx, "refresh token used twice: session revoked", "user_id", out.user.ID, "session_id", out.sess.ID)
		return nil, errUnauthenticated
	}
	return s.sessionOf(out.user, out.sess, out.refresh, out.iat)
}

// rotate spends rt: only the transaction whose conditional update finds it unused goes on.
func (s *Service) rotate(ctx context.Context, tx *ent.Tx, rt *ent.RefreshToken, sess *ent.Session, now time.Time, out *refreshOutcome) error {
	next, nextHash := NewResetToken()
	sealed, err := s.seal(next, rt.ID)
	if err != nil {
		return err
	}
	n, err := tx.RefreshToken.Update().
		Where(refreshtoken.ID(rt.ID), refreshtoken.UsedAtIsNil()).
		SetUsedAt(now).
		SetSuccessorSealed(sealed).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("spend refresh token: %w", err)
	}
	if n == 0 {
		return errRefreshRace
	}
	if err := tx.RefreshToken.Create().SetSessionID(sess.ID).SetTokenHash(nextHash).SetCreatedAt(now).Exec(ctx); err != nil {
		return fmt.Errorf("store refresh token: %w", err)
	}
	renewed := *sess // Exec, not Save: the row need not be read back
	renewed.LastUsedAt, renewed.RefreshExpiresAt = now, earliest(now.Add(s.cfg.RefreshTokenTTL), sess.ExpiresAt)
	err = tx.Session.UpdateOneID(sess.ID).
		SetLastUsedAt(renewed.LastUsedAt).
		SetRefreshExpiresAt(renewed.RefreshExpiresAt).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("renew session: %w", err)
	}
	*out = refreshOutcome{user: out.user, sess: &renewed, refresh: next, iat: now}
	return nil
}

var errSuccessorGone = errors.New("the successor was used too")

// replay answers a second use of rt within the grace interval as the first was answered, as
// long as its successor is still unused.
func (s *Service) replay(ctx context.Context, tx *ent.Tx, rt *ent.RefreshToken, sess *ent.Session, out *refreshOutcome) error {
	next, err := s.unseal(*rt.SuccessorSealed, rt.ID)
	if err != nil {
		return err
	}
	unused, err := tx.RefreshToken.Query().
		Where(refreshtoken.TokenHash(HashResetToken(next)), refreshtoken.UsedAtIsNil()).
		Exist(ctx)
	if err != nil {
		return fmt.Errorf("find successor: %w", err)
	}
	if !unused {
		return errSuccessorGone
	}
	*out = refreshOutcome{user: out.user, sess: sess, refresh: next, iat: rt.UsedAt.UTC()}
	return nil
}

// addRefreshToken gives the session a new refresh token, returned in the clear once.
func (s *Service) addRefreshToken(ctx context.Context, tx *ent.Tx, sessionID string, now time.Time) (string, error) {
	token, hash := NewResetToken()
	if err := tx.RefreshToken.Create().SetSessionID(sessionID).SetTokenHash(hash).SetCreatedAt(now).Exec(ctx); err != nil {
		return "", fmt.Errorf("store refresh token: %w", err)
	}
	return token, nil
}

// newSealer derives the key that seals successors from SECRET_KEY: a copy of the database
// alone does not give away a refresh token.
func newSealer(secret []byte) (cipher.AEAD, error) {
	key, err := hex.DecodeString(keyedMAC(secret, "refresh successor"))
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Service) seal(token string, rowID int) ([]byte, error) {
	nonce := make([]byte, s.sealer.NonceSize())
	_, _ = rand.Read(nonce)
	return s.sealer.Seal(nonce, nonce, []byte(token), []byte(strconv.Itoa(rowID))), nil
}

func (s *Service) unseal(sealed []byte, rowID int) (string, error) {
	n := s.sealer.NonceSize()
	if len(sealed) < n {
		return "", fmt.Errorf("sealed successor too short")
	}
	plain, err := s.sealer.Open(nil, sealed[:n], sealed[n:], []byte(strconv.Itoa(rowID)))
	if err != nil {
		return "", fmt.Errorf("open sealed successor: %w", err)
	}
	return string(plain), nil
}

// forgetSuccessors clears the sealed successors whose grace interval is over.
func (s *Service) forgetSuccessors(ctx context.Context, now time.Time) error {
	_, err := s.db.RefreshToken.Update().
		Where(refreshtoken.SuccessorSealedNotNil(), refreshtoken.UsedAtLT(now.Add(-s.cfg.RefreshReuseGrace-time.Second))).
		ClearSuccessorSealed().
		Save(ctx)
	return err
}
