package config

import (
	"math"
	"time"
)

// Variable describes one setting for documentation and .env.example generation.
type Variable struct {
	Name    string // environment variable name
	Default string // value used when unset, as it would be written in .env; "" means empty
	Meaning string // one-line description for operators
	Secret  bool   // never logged, never echoed in errors
}

// setting is one row of the table: what operators read, and where in a Config Load puts it.
type setting struct {
	Variable
	to func(c *Config) field
}

// settings is the single declaration of every setting: its default, its meaning, its parser
// and its place. Load, LogValue, the README's table and .env.example all walk it.
var settings = []setting{
	{Variable{Name: "SECRET_KEY", Meaning: "signs access tokens (with HS256, HS384 or HS512) and always keys device tokens and the login throttles; at least 32 random bytes (openssl rand -hex 32); unset: random per process, with a warning; with APP_ENV=production a short, repetitive or placeholder key stops the start", Secret: true},
		func(c *Config) field { return secretKey(&c.Account.SecretKey, &c.SecretKeyGenerated) }},
	{Variable{Name: "ALGORITHM", Default: "HS256", Meaning: "JWT algorithm: HS256, HS384 or HS512 (keyed by SECRET_KEY); EdDSA or ES256 (keyed by SIGNING_KEYS_FILE, public keys served at /.well-known/jwks.json)"},
		func(c *Config) field { return oneOf(&c.Account.Algorithm, "HS256", "HS384", "HS512", "EdDSA", "ES256") }},
	{Variable{Name: "ACCESS_TOKEN_EXPIRE_MINUTES", Default: "30", Meaning: "access token lifetime"},
		func(c *Config) field { return duration(&c.Account.AccessTokenTTL, 1, time.Minute) }},
	{Variable{Name: "RESET_TOKEN_EXPIRE_MINUTES", Default: "60", Meaning: "reset token lifetime"},
		func(c *Config) field { return duration(&c.Account.ResetTokenTTL, 1, time.Minute) }},
	{Variable{Name: "PASSWORD_MIN_LENGTH", Default: "8", Meaning: "shortest accepted password (1 to 128 characters)"},
		func(c *Config) field { return integer(&c.Account.PasswordMinLength, 1, 128) }},
	{Variable{Name: "APP_NAME", Default: "Latchkey", Meaning: "product name in mails and pages"},
		func(c *Config) field { return text(&c.AppName) }},
	{Variable{Name: "MAIL_SERVER", Meaning: "SMTP host; unset: mails are written to the log instead of sent"},
		func(c *Config) field { return text(&c.SMTP.Host) }},
	{Variable{Name: "MAIL_PORT", Default: "587", Meaning: "SMTP port"},
		func(c *Config) field { return integer(&c.SMTP.Port, 1, 65535) }},
	{Variable{Name: "MAIL_USERNAME", Meaning: "SMTP user name; empty: no SMTP auth"},
		func(c *Config) field { return text(&c.SMTP.Username) }},
	{Variable{Name: "MAIL_PASSWORD", Meaning: "SMTP password", Secret: true},
		func(c *Config) field { return text(&c.SMTP.Password) }},
	{Variable{Name: "MAIL_FROM", Default: "noreply@example.com", Meaning: "sender address"},
		func(c *Config) field { return textWith(&c.SMTP.From, (*loader).mailFrom) }},
	{Variable{Name: "MAIL_USE_TLS", Default: "true", Meaning: "require STARTTLS"},
		func(c *Config) field { return boolean(&c.SMTP.UseTLS) }},
	{Variable{Name: "MAIL_USE_SSL", Default: "false", Meaning: "implicit TLS (port 465)"},
		func(c *Config) field { return boolean(&c.SMTP.UseSSL) }},
	{Variable{Name: "FRONTEND_URL", Meaning: "base of links in emails and issuer of access tokens; never taken from a request; unset: http://HOST:PORT, the address the server listens on (the port opened for PORT=0); required with APP_ENV=production or a wildcard HOST such as 0.0.0.0 or ::"},
		func(c *Config) field { return textWith(&c.Account.FrontendURL, (*loader).frontendURL) }},
	{Variable{Name: "DATABASE_URL", Default: "sqlite:blog.db", Meaning: "sqlite:PATH or postgres://…"},
		func(c *Config) field { return databaseURL(&c.Database.URL) }},
	{Variable{Name: "HOST", Default: "127.0.0.1", Meaning: "address the server listens on"},
		func(c *Config) field { return text(&c.HTTP.Host) }},
	{Variable{Name: "PORT", Default: "8000", Meaning: "port the server listens on; 0 picks a free one"},
		func(c *Config) field { return integer(&c.HTTP.Port, 0, 65535) }},
	{Variable{Name: "RATE_LIMIT_ENABLED", Default: "true", Meaning: "per-client-IP limits on the public mutations (off only for load tests)"},
		func(c *Config) field { return boolean(&c.Account.RateLimitEnabled) }},
	{Variable{Name: "RESET_MAIL_MIN_INTERVAL_SECONDS", Default: "60", Meaning: "least time between two mails that anyone may ask for to one address (reset links, sign-up links and notices, verification links); a request sooner sends nothing"},
		func(c *Config) field { return duration(&c.Account.ResetMailMinInterval, 0, time.Second) }},
	{Variable{Name: "RESET_MAILS_PER_HOUR", Default: "3", Meaning: "most such mails to one address in an hour, silently"},
		func(c *Config) field { return integer(&c.Account.ResetMailsPerHour, 1, math.MaxInt) }},
	{Variable{Name: "TRUSTED_PROXIES", Meaning: "CIDRs (comma or space separated) whose X-Forwarded-For is believed for the client IP"},
		func(c *Config) field { return prefixes(&c.HTTP.TrustedProxies) }},
	{Variable{Name: "APP_ENV", Default: "development", Meaning: "development, production or test; production refuses to start without SECRET_KEY and MAIL_SERVER"},
		func(c *Config) field { return oneOf(&c.AppEnv, "development", "production", "test") }},
	{Variable{Name: "REGISTRATION", Meaning: "instant: register creates an account at once; verified: only the link mailed by signUp does, and register answers FORBIDDEN; unset: instant with APP_ENV development or test, verified with production"},
		func(c *Config) field { return registration(&c.Account.Registration, &c.AppEnv) }},
	{Variable{Name: "EMAIL_VERIFICATION_EXPIRE_MINUTES", Default: "1440", Meaning: "lifetime of verification and email-change links"},
		func(c *Config) field { return duration(&c.Account.VerificationTokenTTL, 1, time.Minute) }},
	{Variable{Name: "REFRESH_TOKEN_EXPIRE_DAYS", Default: "30", Meaning: "a session ends when its refresh token goes unused this long; each refresh starts the time again"},
		func(c *Config) field { return duration(&c.Account.RefreshTokenTTL, 1, 24*time.Hour) }},
	{Variable{Name: "SESSION_MAX_DAYS", Default: "90", Meaning: "a session ends this long after sign-in, however often it is refreshed"},
		func(c *Config) field { return duration(&c.Account.SessionMaxAge, 1, 24*time.Hour) }},
	{Variable{Name: "REFRESH_REUSE_GRACE_SECONDS", Default: "10", Meaning: "a refresh token used again this soon (another tab refreshing at once) gets the same new tokens; later, a second use ends the session"},
		func(c *Config) field { return duration(&c.Account.RefreshReuseGrace, 0, time.Second) }},
	{Variable{Name: "GRAPHQL_INTROSPECTION", Default: "true", Meaning: "allow schema introspection"},
		func(c *Config) field { return boolean(&c.HTTP.GraphQLIntrospection) }},
	{Variable{Name: "SIGNING_KEYS_FILE", Meaning: "PEM private keys for EdDSA/ES256; the first signs, every one verifies and is published (server keys generate writes the file); only with ALGORITHM EdDSA or ES256"},
		func(c *Config) field {
			return signingKeys(&c.SigningKeysFile, &c.Account.SigningKeys, &c.Account.Algorithm)
		}},
	{Variable{Name: "PLAYGROUND_ENABLED", Meaning: "serve GraphiQL at /playground (false: it is 404); unset: true with APP_ENV development or test, false with production"},
		func(c *Config) field { return offInProduction(&c.HTTP.Playground, &c.AppEnv) }},
	{Variable{Name: "RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE", Default: "5", Meaning: "forgotPassword and sendVerificationEmail requests per client IP per minute"},
		func(c *Config) field { return integer(&c.Account.RateLimits.ForgotPassword, 1, math.MaxInt) }},
	{Variable{Name: "RATE_LIMIT_LOGIN_PER_MINUTE", Default: "10", Meaning: "password checks (login, changePassword, deleteAccount, changeEmail) per client IP per minute"},
		func(c *Config) field { return integer(&c.Account.RateLimits.Login, 1, math.MaxInt) }},
	{Variable{Name: "RATE_LIMIT_RESET_PASSWORD_PER_MINUTE", Default: "10", Meaning: "resetPassword and verifyEmail requests (each spends a mailed token) per client IP per minute; confirmEmailChange has an allowance of its own of this size"},
		func(c *Config) field { return integer(&c.Account.RateLimits.ResetPassword, 1, math.MaxInt) }},
	{Variable{Name: "RATE_LIMIT_CHECK_RESET_TOKEN_PER_MINUTE", Default: "20", Meaning: "checkResetToken requests per client IP per minute"},
		func(c *Config) field { return integer(&c.Account.RateLimits.CheckResetToken, 1, math.MaxInt) }},
	{Variable{Name: "RATE_LIMIT_REGISTER_PER_MINUTE", Default: "5", Meaning: "register and signUp requests per client IP per minute"},
		func(c *Config) field { return integer(&c.Account.RateLimits.Register, 1, math.MaxInt) }},
	{Variable{Name: "REDIS_URL", Meaning: "redis://, rediss:// or unix:// URL; when set, per-IP limits are shared by all replicas through Redis (each falls back to its own while Redis does not answer); empty: each replica limits on its own"},
		func(c *Config) field { return connURL(&c.RedisURL, (*loader).redisURL) }},
	{Variable{Name: "LOG_LEVEL", Default: "info", Meaning: "debug, info, warn or error"},
		func(c *Config) field { return oneOf(&c.Log.Level, "debug", "info", "warn", "error") }},
	{Variable{Name: "LOG_FORMAT", Default: "text", Meaning: "text or json"},
		func(c *Config) field { return oneOf(&c.Log.Format, "text", "json") }},
	{Variable{Name: "SHUTDOWN_TIMEOUT_SECONDS", Default: "15", Meaning: "how long a stopped server may take to finish requests and mail in flight; it exits by then, and mail it could not send waits in the queue"},
		func(c *Config) field { return duration(&c.HTTP.ShutdownTimeout, 1, time.Second) }},
	{Variable{Name: "OUTBOX_LEASE_SECONDS", Default: "120", Meaning: "how long a mail claimed by a server that died stays its own before another sends it; after a crash, mail waits at most this long"},
		func(c *Config) field { return duration(&c.Outbox.Lease, 1, time.Second) }},
	{Variable{Name: "OUTBOX_SENDERS", Default: "16", Meaning: "mails each server sends at once (1 to 100)"},
		func(c *Config) field { return integer(&c.Outbox.Senders, 1, 100) }},
	{Variable{Name: "PASSWORD_HASH_CONCURRENCY", Default: "0", Meaning: "argon2id hashes computed at once, 19 MiB each; 0: one per CPU (GOMAXPROCS)"},
		func(c *Config) field { return integer(&c.Account.HashLimits.Concurrency, 0, 1024) }},
	{Variable{Name: "PASSWORD_HASH_QUEUE_LENGTH", Default: "128", Meaning: "requests that may wait for a hashing slot; more are answered RATE_LIMITED at once (0: no limit)"},
		func(c *Config) field { return integer(&c.Account.HashLimits.QueueLength, 0, 1_000_000) }},
	{Variable{Name: "PASSWORD_HASH_QUEUE_TIMEOUT_MS", Default: "5000", Meaning: "longest wait for a hashing slot before the request is answered RATE_LIMITED"},
		func(c *Config) field { return duration(&c.Account.HashLimits.QueueTimeout, 1, time.Millisecond) }},
	{Variable{Name: "AUTO_MIGRATE", Meaning: "apply pending database migrations at start-up; unset: true with SQLite, false with PostgreSQL (run server migrate up)"},
		func(c *Config) field { return autoMigrate(&c.AutoMigrate, &c.Database.URL) }},
	{Variable{Name: "DATABASE_MAX_OPEN_CONNS", Default: "20", Meaning: "most open PostgreSQL connections per server (SQLite sizes its own pool)"},
		func(c *Config) field { return integer(&c.Database.MaxOpenConns, 1, 10_000) }},
	{Variable{Name: "DATABASE_MAX_IDLE_CONNS", Default: "10", Meaning: "PostgreSQL connections kept open while idle"},
		func(c *Config) field { return integer(&c.Database.MaxIdleConns, 0, 10_000) }},
	{Variable{Name: "DATABASE_CONN_MAX_LIFETIME_SECONDS", Default: "1800", Meaning: "PostgreSQL connections are replaced after this long (0: never)"},
		func(c *Config) field { return duration(&c.Database.ConnMaxLifetime, 0, time.Second) }},
	{Variable{Name: "DATABASE_TIMEOUT_MS", Default: "2000", Meaning: "deadline of every database call: each statement, and each transaction as a whole"},
		func(c *Config) field { return duration(&c.Database.Timeout, 1, time.Millisecond) }},
	{Variable{Name: "REQUEST_TIMEOUT_SECONDS", Default: "10", Meaning: "every request answers within this; one still waiting then answers UNAVAILABLE"},
		func(c *Config) field { return duration(&c.HTTP.RequestTimeout, 1, time.Second) }},
	{Variable{Name: "CORS_ALLOWED_ORIGINS", Meaning: "origins (comma or space separated, e.g. https://app.example.com) whose pages may call /graphql; empty: none"},
		func(c *Config) field { return origins(&c.HTTP.CORSAllowedOrigins) }},
	{Variable{Name: "DEBUG_PPROF", Default: "false", Meaning: "serve Go's profiler at /debug/pprof/ on METRICS_ADDR (for load tests; never expose it)"},
		func(c *Config) field { return boolean(&c.HTTP.DebugPprof) }},
	{Variable{Name: "METRICS_ADDR", Default: "127.0.0.1:9464", Meaning: "host:port of the private listener for /metrics (and /debug/pprof/); off: none; never on the public PORT"},
		func(c *Config) field { return listenAddr(&c.HTTP.MetricsAddr) }},
}

// Variables lists every setting, the contract's first, then Latchkey's extensions.
func Variables() []Variable {
	vars := make([]Variable, len(settings))
	for i, s := range settings {
		vars[i] = s.Variable
	}
	return vars
}
