// Package account holds the rules of Latchkey: who may do what, and the life cycle of passwords,
// access tokens, reset tokens and the mail they cause. It knows nothing of HTTP or GraphQL.
package account

import (
	"cmp"
	"context"
	"crypto/cipher"
	"fmt"
	"log/slog"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"latchkey/ent"
	"latchkey/ent/session"
	"latchkey/keyset"
)

// Mailer sends the product's emails. The email package satisfies it. Every method takes the
// language to write in (lang, a BCP 47 tag; an unsupported one gets English).
type Mailer interface {
	SendPasswordReset(ctx context.Context, lang, to, username, link string, validFor time.Duration) error
	// SendPasswordChanged tells of times changes since the notice sent at since, the latest at at.
	SendPasswordChanged(ctx context.Context, lang, to, username string, at time.Time, times int, since time.Time) error
	SignUpMailer
	EmailChangeMailer
}

// Observer is told of events worth counting; the metrics package satisfies it.
type Observer interface {
	MailEvent(kind, event string) // queued, processed (reset requests); sent, failed, retried, given_up, refused (other mail)
	RateLimited(limit string)
}

type noObserver struct{}

func (noObserver) MailEvent(string, string) {}
func (noObserver) RateLimited(string)       {}

// Config holds the settings the rules depend on.
type Config struct {
	SecretKey      []byte
	Algorithm      string // HS256, HS384 or HS512 (keyed by SecretKey); EdDSA or ES256 (SigningKeys)
	Issuer         string // also the audience: tokens are only for this server
	AccessTokenTTL time.Duration
	// Sessions: idle expiry of refresh tokens (sliding), the absolute cap, and how soon a second
	// use of a refresh token counts as a concurrent refresh rather than reuse.
	RefreshTokenTTL   time.Duration
	SessionMaxAge     time.Duration
	RefreshReuseGrace time.Duration
	ResetTokenTTL     time.Duration
	// Lifetime of the links that prove an address: sign-up verification and address change.
	VerificationTokenTTL time.Duration
	Registration         Registration
	FrontendURL          string // base of reset links, without a trailing slash
	PasswordMinLength    int

	ResetMailMinInterval time.Duration
	ResetMailsPerHour    int

	RateLimitEnabled bool
	RateLimits       RateLimits
	ThrottleEntries  int     // most failed-login records kept; default DefaultThrottleEntries
	Limiter          Limiter // optional: per-IP allowances shared by every replica

	Outbox Outbox // where mail is queued; required by every operation that mails

	Observer Observer // default: counts nothing

	Now        func() time.Time // defaults to time.Now
	Argon2     Argon2Params     // defaults to DefaultArgon2Params
	HashLimits HashLimits       // concurrent argon2id computations and their queue

	// Replicas tells whether other replicas' writes reach the session cache; nil: no others.
	Replicas Replicas
	CacheTTL time.Duration // default DefaultCacheTTL

	// SigningKeys sign access tokens with EdDSA or ES256: the first signs, all verify. Nil with HS*.
	SigningKeys *keyset.Set
}

// Registration says how accounts are created.
type Registration string

const (
	// RegistrationInstant lets register create an account at once, as the tutorial does.
	RegistrationInstant Registration = "instant"
	// RegistrationVerified creates an account only when the link mailed by signUp is used.
	RegistrationVerified Registration = "verified"
)

// Service carries out every account operation.
type Service struct {
	db       *ent.Client
	cfg      Config
	hasher   *Hasher
	policy   PasswordPolicy
	mailer   Mailer
	log      *slog.Logger
	limiter  *rateLimiter
	failures *failureStore

	sharedDown  outage // Config.Limiter failed: limiter stands in
	signer      *tokenSigner
	tokenParser *jwt.Parser
	verified    verifiedTokens // access tokens that passed every check
	currentUser *ent.UserByID  // reads what CurrentUser returns
	sessionByID *ent.SessionByID
	cache       *authCache
	sealer      cipher.AEAD // seals a refresh token's successor for the grace interval
}

// NewService returns the account service. Its mail goes to cfg.Outbox, which hands it back
// to DeliverMail.
func NewService(db *ent.Client, mailer Mailer, cfg Config, log *slog.Logger) (*Service, error) {
	if len(cfg.SecretKey) < 32 {
		return nil, fmt.Errorf("account: secret key must be at least 32 bytes")
	}
	signer, err := newTokenSigner(cfg)
	if err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("account: a database client is required")
	}
	if cfg.Outbox == nil {
		return nil, fmt.Errorf("account: an Outbox is required, or no mail can be queued")
	}
	if cfg.ResetMailsPerHour < 1 {
		return nil, fmt.Errorf("account: ResetMailsPerHour must be at least 1, or no reset mail is ever sent")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = DefaultArgon2Params
	}
	if cfg.ThrottleEntries <= 0 {
		cfg.ThrottleEntries = DefaultThrottleEntries
	}
	cfg.RefreshTokenTTL = cmp.Or(cfg.RefreshTokenTTL, 30*24*time.Hour)
	cfg.SessionMaxAge = cmp.Or(cfg.SessionMaxAge, 90*24*time.Hour)
	cfg.CacheTTL = cmp.Or(cfg.CacheTTL, DefaultCacheTTL)
	if cfg.Issuer == "" {
		cfg.Issuer = "latchkey"
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{
		db:      db,
		cfg:     cfg,
		hasher:  NewHasher(cfg.Argon2, cfg.HashLimits),
		policy:  PasswordPolicy{MinLength: cfg.PasswordMinLength},
		mailer:  mailer,
		log:     log,
		limiter: newRateLimiter(cfg.Now),
		signer:  signer,

		currentUser: db.User.ByID(currentUserColumns...),
		sessionByID: db.Session.ByID(session.FieldUserID, session.FieldExpiresAt, session.FieldRevokedAt, session.FieldLastUsedAt),
		cache:       newAuthCache(cfg.CacheTTL),
	}
	if s.sealer, err = newSealer(cfg.SecretKey); err != nil {
		return nil, err
	}
	s.watchWrites()
	s.failures = &failureStore{db: db, now: s.now, limit: cfg.ThrottleEntries}
	s.tokenParser = s.newTokenParser()
	return s, nil
}

// Hasher returns the password hasher, for metrics and benchmarks.
func (s *Service) Hasher() *Hasher { return s.hasher }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// withTx runs fn in a transaction, committing when it returns nil.
func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	tx, err := s.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type ctxKey int

const (
	clientIPKey ctxKey = iota
	accessTokenKey
	userAgentKey
)

// WithClientIP records the client's address for rate limiting.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey, ip)
}

// WithAccessToken records the bearer token the request carried, checked only when an operation needs it.
func WithAccessToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, accessTokenKey, token)
}

// WithUserAgent records the client's User-Agent header, kept with a session it signs in.
func WithUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, userAgentKey, ua)
}

func userAgent(ctx context.Context) string {
	ua, _ := ctx.Value(userAgentKey).(string)
	return ua
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey).(string)
	return ip
}

func accessToken(ctx context.Context) string {
	t, _ := ctx.Value(accessTokenKey).(string)
	return t
}
