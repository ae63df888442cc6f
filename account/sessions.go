package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"latchkey/ent"
	"latchkey/ent/predicate"
	"latchkey/ent/session"
)

// Answers of signOut and revokeSession.
const (
	SignedOutMessage      = "You are signed out."
	SessionRevokedMessage = "That session is signed out."
)

// SignOutScope says which sessions SignOut ends.
type SignOutScope string

const (
	SignOutThis   SignOutScope = "THIS"
	SignOutOthers SignOutScope = "OTHERS"
	SignOutAll    SignOutScope = "ALL"
)

var errNoSuchSession = badInput("id", "No such session: it may have ended already")

const sessionIDBytes = 16

func newSessionID() string {
	b := make([]byte, sessionIDBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func wellFormedSessionID(id string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(id)
	return err == nil && len(b) == sessionIDBytes && len(id) == base64.RawURLEncoding.EncodedLen(sessionIDBytes)
}

// maxUserAgent bounds what a session keeps of the client's User-Agent header.
const maxUserAgent = 512

func truncateUserAgent(ua string) string {
	if len(ua) <= maxUserAgent {
		return ua
	}
	ua = ua[:maxUserAgent]
	for !utf8.ValidString(ua) {
		ua = ua[:len(ua)-1]
	}
	return ua
}

// startSession signs u in: a new sessions row with its first refresh token.
func (s *Service) startSession(ctx context.Context, u *ent.User) (*Session, error) {
	now := s.now().Truncate(time.Second)
	var sess *ent.Session
	var refresh string
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		var err error
		maxAge := now.Add(s.cfg.SessionMaxAge)
		sess, err = tx.Session.Create().
			SetID(newSessionID()).
			SetUserID(u.ID).
			SetCreatedAt(now).
			SetLastUsedAt(now).
			SetExpiresAt(maxAge).
			SetRefreshExpiresAt(earliest(now.Add(s.cfg.RefreshTokenTTL), maxAge)).
			SetIPAddress(clientIP(ctx)).
			SetUserAgent(truncateUserAgent(userAgent(ctx))).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		refresh, err = s.addRefreshToken(ctx, tx, sess.ID, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.sessionOf(u, sess, refresh, now)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// SignOut ends sessions of the signed-in user: this one, every other, or all.
// Errors: UNAUTHENTICATED.
func (s *Service) SignOut(ctx context.Context, scope SignOutScope) error {
	t, u, err := s.signedIn(ctx)
	if err != nil {
		return err
	}
	var which []predicate.Session
	switch scope {
	case SignOutThis, "":
		which = []predicate.Session{session.ID(t.sessionID)}
	case SignOutOthers:
		which = []predicate.Session{session.UserID(u.ID), session.IDNEQ(t.sessionID)}
	case SignOutAll:
		which = []predicate.Session{session.UserID(u.ID)}
	default:
		return badInput("scope", "Unknown scope")
	}
	var n int
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		n, err = s.revokeSessions(ctx, tx, which...)
		return err
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "signed out", "user_id", u.ID, "scope", string(scope), "sessions", n)
	return nil
}

// RevokeSession ends one active session of the signed-in user. Any other id, another user's
// included, is the same BAD_USER_INPUT.
// Errors: UNAUTHENTICATED, BAD_USER_INPUT (id).
func (s *Service) RevokeSession(ctx context.Context, id string) error {
	_, u, err := s.signedIn(ctx)
	if err != nil {
		return err
	}
	if !wellFormedSessionID(id) {
		return errNoSuchSession
	}
	var n int
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		n, err = s.revokeSessions(ctx, tx, session.ID(id), session.UserID(u.ID), s.activeSession())
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return errNoSuchSession
	}
	s.log.InfoContext(ctx, "session revoked", "user_id", u.ID, "session_id", id)
	return nil
}

// revokeSessions ends the unrevoked sessions which selects, returning how many.
func (s *Service) revokeSessions(ctx context.Context, tx *ent.Tx, which ...predicate.Session) (int, error) {
	n, err := tx.Session.Update().
		Where(append(which, session.RevokedAtIsNil())...).
		SetRevokedAt(s.now()).
		Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions: %w", err)
	}
	return n, nil
}

// activeSession selects sessions whose tokens still work: unrevoked, within both expiries.
func (s *Service) activeSession() predicate.Session {
	now := s.now()
	return session.And(session.RevokedAtIsNil(), session.ExpiresAtGT(now), session.RefreshExpiresAtGT(now))
}

// SessionInfo is one entry of the session list.
type SessionInfo struct {
	ID                    string
	CreatedAt, LastUsedAt time.Time
	IPAddress, UserAgent  string
	Current               bool
}

// Sessions lists the signed-in user's active sessions, newest first; userID must be theirs.
// Errors: UNAUTHENTICATED.
func (s *Service) Sessions(ctx context.Context, userID int) ([]SessionInfo, error) {
	t, u, err := s.signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if u.ID != userID {
		return nil, errUnauthenticated
	}
	rows, err := s.db.Session.Query().
		Where(session.UserID(u.ID), s.activeSession()).
		Order(ent.Desc(session.FieldCreatedAt), ent.Desc(session.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	list := make([]SessionInfo, len(rows))
	for i, r := range rows {
		list[i] = SessionInfo{ID: r.ID, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt,
			IPAddress: r.IPAddress, UserAgent: r.UserAgent, Current: r.ID == t.sessionID}
	}
	return list, nil
}

// DeleteEndedSessions deletes sessions that can no longer be used, with their refresh tokens,
// and forgets the sealed successors whose grace interval is over.
func (s *Service) DeleteEndedSessions(ctx context.Context) {
	now := s.now()
	n, err := s.db.Session.Delete().Where(session.Or(
		session.ExpiresAtLTE(now),
		session.RefreshExpiresAtLTE(now),
		session.RevokedAtNotNil(),
	)).Exec(ctx)
	s.logCleanup(ctx, "sessions", n, err)
	if err := s.forgetSuccessors(ctx, now); err != nil && !errors.Is(err, context.Canceled) {
		s.log.WarnContext(ctx, "forget refresh successors", "error", err)
	}
}
