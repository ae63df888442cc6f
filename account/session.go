package account

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"latchkey/ent"
	"latchkey/ent/user"
)

// Session is a signed-in session: an access token, the refresh token that renews it, and the
// account they are for.
type Session struct {
	AccessToken      string
	ExpiresAt        time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
	DeviceToken      string // for the next login from the same client
	User             *ent.User
}

type accessClaims struct {
	jwt.RegisteredClaims
	// SessionVersion must equal the user's current one; a password change bumps it.
	SessionVersion int `json:"sv"`
	// SessionID names the sessions row, which must be alive.
	SessionID string `json:"sid"`
}

// accessToken signs an access token of sess issued at iat: the same inputs give the same claims,
// so a refresh answered twice within the grace interval answers the same token (HS*, EdDSA).
func (s *Service) accessToken(u *ent.User, sess *ent.Session, iat time.Time) (string, time.Time, error) {
	exp := iat.Add(s.cfg.AccessTokenTTL)
	if sess.ExpiresAt.Before(exp) {
		exp = sess.ExpiresAt
	}
	exp = exp.Truncate(time.Second)
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   strconv.Itoa(u.ID),
			Issuer:    s.cfg.Issuer,
			Audience:  jwt.ClaimStrings{s.cfg.Issuer},
			IssuedAt:  jwt.NewNumericDate(iat),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		SessionVersion: u.SessionVersion,
		SessionID:      sess.ID,
	}
	signed, err := s.signer.sign(claims)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return signed, exp, nil
}

// sessionOf is what a sign-in or a refresh answers: an access token issued at iat and refresh.
func (s *Service) sessionOf(u *ent.User, sess *ent.Session, refresh string, iat time.Time) (*Session, error) {
	token, exp, err := s.accessToken(u, sess, iat)
	if err != nil {
		return nil, err
	}
	return &Session{
		AccessToken:      token,
		ExpiresAt:        exp,
		RefreshToken:     refresh,
		RefreshExpiresAt: sess.RefreshExpiresAt,
		DeviceToken:      s.newDeviceToken(s.accountKey(u.Email)),
		User:             u,
	}, nil
}

// newTokenParser is built once: a jwt.Parser only reads its settings, so requests share it.
func (s *Service) newTokenParser() *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{s.cfg.Algorithm}),
		jwt.WithIssuer(s.cfg.Issuer),
		jwt.WithAudience(s.cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(), // one spelling per token: no spare bits in the signature's last character
		jwt.WithTimeFunc(s.now),
	)
}

// maxTokenLen bounds what the parser is given; our tokens are a few hundred bytes.
const maxTokenLen = 4096

// lifetimeLeeway allows for an issuer whose second ticked over between iat and exp.
const lifetimeLeeway = time.Minute

// parseAccessToken checks signature (with the key the kid names, for EdDSA and ES256), algorithm,
// expiry, issuer and audience, and that the token looks exactly like one we issue: one spelling
// of the signature, no crit header (we understand no extension, RFC 7515 §4.1.11),
// an iat, a lifetime within ACCESS_TOKEN_EXPIRE_MINUTES, and sub spelled as strconv.Itoa spells
// an id. So even a token signed with our key cannot outlive the setting, and each user has one
// spelling of sub.
func (s *Service) parseAccessToken(token string) (*accessClaims, error) {
	if token == "" || len(token) > maxTokenLen {
		return nil, errUnauthenticated
	}
	var claims accessClaims
	parsed, err := s.tokenParser.ParseWithClaims(token, &claims, s.signer.key)
	if err != nil || !s.signer.canonical(parsed.Signature) {
		return nil, errUnauthenticated
	}
	if _, ok := parsed.Header["crit"]; ok {
		return nil, errUnauthenticated
	}
	if claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > s.cfg.AccessTokenTTL+lifetimeLeeway {
		return nil, errUnauthenticated
	}
	if id, err := strconv.Atoi(claims.Subject); err != nil || id <= 0 || strconv.Itoa(id) != claims.Subject {
		return nil, errUnauthenticated
	}
	if !wellFormedSessionID(claims.SessionID) {
		return nil, errUnauthenticated
	}
	return &claims, nil
}

// currentUserColumns are what CurrentUser reads besides the id: every column but the mail
// bookkeeping, which the mail paths read for themselves. A column added to the schema is read
// unless listed here.
var currentUserColumns = slices.DeleteFunc(slices.Clone(user.Columns), func(c string) bool {
	switch c {
	case user.FieldID, user.FieldUsernameKey, user.FieldUpdatedAt, user.FieldLastResetMailAt,
		user.FieldResetMailWindowStart, user.FieldResetMailsInWindow, user.FieldLastChangedMailAt:
		return true
	}
	return false
})

// userByID reads through a reader whose SQL is built once: ent's query builder would write
// the statement anew on every signed-in request, at twice the cost of the read itself
// (docs/BENCHMARKS.md, "The user read").
func (s *Service) userByID(ctx context.Context, id int) (*ent.User, error) {
	u, err := s.currentUser.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return u, err
}

// CurrentUser returns the user whose valid, unrevoked access token the request carried, without
// the reset-mail and notice bookkeeping (see currentUserColumns).
// Errors: UNAUTHENTICATED.
func (s *Service) CurrentUser(ctx context.Context) (*ent.User, error) {
	_, u, err := s.signedIn(ctx)
	return u, err
}

// verifyAccessToken returns what a valid token says, from the cache of tokens verified before
// when it is there and unexpired.
func (s *Service) verifyAccessToken(token string) (verifiedToken, error) {
	if t, ok := s.verified.get(token, s.now()); ok {
		return t, nil
	}
	claims, err := s.parseAccessToken(token) // every check, before the token is cached
	if err != nil {
		return verifiedToken{}, err
	}
	id, _ := strconv.Atoi(claims.Subject) // canonical: parseAccessToken checked it
	t := verifiedToken{userID: id, sessionVersion: claims.SessionVersion, sessionID: claims.SessionID, expires: claims.ExpiresAt.Time}
	s.verified.put(token, t)
	return t, nil
}
