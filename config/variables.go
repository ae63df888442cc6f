package config

import "slices"

// Variable describes one setting for documentation and .env.example generation.
type Variable struct {
	Name    string // environment variable name
	Default string // value used when unset, as it would be written in .env; "" means empty
	Meaning string // one-line description for operators
	Secret  bool   // never logged, never echoed in errors
}

// variables is the single source of every default: Load reads them from here.
var variables = []Variable{
	{Name: "SECRET_KEY", Meaning: "signs access tokens; at least 32 random bytes (openssl rand -hex 32); unset: random per process, with a warning; with APP_ENV=production a short, repetitive or placeholder key stops the start", Secret: true},
	{Name: "ALGORITHM", Default: "HS256", Meaning: "JWT algorithm: HS256, HS384 or HS512"},
	{Name: "ACCESS_TOKEN_EXPIRE_MINUTES", Default: "30", Meaning: "access token lifetime"},
	{Name: "RESET_TOKEN_EXPIRE_MINUTES", Default: "60", Meaning: "reset token lifetime"},
	{Name: "PASSWORD_MIN_LENGTH", Default: "8", Meaning: "shortest accepted password (1 to 128 characters)"},
	{Name: "APP_NAME", Default: "Latchkey", Meaning: "product name in mails and pages"},
	{Name: "MAIL_SERVER", Meaning: "SMTP host; unset: mails are written to the log instead of sent"},
	{Name: "MAIL_PORT", Default: "587", Meaning: "SMTP port"},
	{Name: "MAIL_USERNAME", Meaning: "SMTP user name; empty: no SMTP auth"},
	{Name: "MAIL_PASSWORD", Meaning: "SMTP password", Secret: true},
	{Name: "MAIL_FROM", Default: "noreply@example.com", Meaning: "sender address"},
	{Name: "MAIL_USE_TLS", Default: "true", Meaning: "require STARTTLS"},
	{Name: "MAIL_USE_SSL", Default: "false", Meaning: "implicit TLS (port 465)"},
	{Name: "FRONTEND_URL", Default: "http://localhost:8000", Meaning: "base of links in emails; never taken from a request"},
	{Name: "DATABASE_URL", Default: "sqlite:blog.db", Meaning: "sqlite:PATH or postgres://…"},
	{Name: "HOST", Default: "127.0.0.1", Meaning: "address the server listens on"},
	{Name: "PORT", Default: "8000", Meaning: "port the server listens on; 0 picks a free one"},
	{Name: "RATE_LIMIT_ENABLED", Default: "true", Meaning: "per-client-IP limits on the public mutations (off only for load tests)"},
	{Name: "RESET_MAIL_MIN_INTERVAL_SECONDS", Default: "60", Meaning: "least time between two reset mails to one account; a request sooner sends nothing"},
	{Name: "RESET_MAILS_PER_HOUR", Default: "3", Meaning: "most reset mails to one account in an hour, silently"},
	{Name: "TRUSTED_PROXIES", Meaning: "CIDRs (comma or space separated) whose X-Forwarded-For is believed for the client IP"},
	{Name: "APP_ENV", Default: "development", Meaning: "development, production or test; production refuses to start without SECRET_KEY and MAIL_SERVER"},
	{Name: "GRAPHQL_INTROSPECTION", Default: "true", Meaning: "allow schema introspection"},
	{Name: "RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE", Default: "5", Meaning: "forgotPassword requests per client IP per minute"},
	{Name: "RATE_LIMIT_LOGIN_PER_MINUTE", Default: "10", Meaning: "password checks (login, changePassword, deleteAccount) per client IP per minute"},
	{Name: "RATE_LIMIT_RESET_PASSWORD_PER_MINUTE", Default: "10", Meaning: "resetPassword requests per client IP per minute"},
	{Name: "RATE_LIMIT_CHECK_RESET_TOKEN_PER_MINUTE", Default: "20", Meaning: "checkResetToken requests per client IP per minute"},
	{Name: "RATE_LIMIT_REGISTER_PER_MINUTE", Default: "5", Meaning: "register requests per client IP per minute"},
	{Name: "REDIS_URL", Meaning: "redis://, rediss:// or unix:// URL; when set, per-IP limits are shared by all replicas through Redis (each falls back to its own while Redis does not answer); empty: each replica limits on its own"},
	{Name: "LOG_LEVEL", Default: "info", Meaning: "debug, info, warn or error"},
	{Name: "LOG_FORMAT", Default: "text", Meaning: "text or json"},
	{Name: "SHUTDOWN_TIMEOUT_SECONDS", Default: "15", Meaning: "how long in-flight requests may finish after a stop signal"},
	{Name: "OUTBOX_LEASE_SECONDS", Default: "120", Meaning: "how long a mail claimed by a server that died stays its own before another sends it; after a crash, mail waits at most this long"},
	{Name: "OUTBOX_SENDERS", Default: "4", Meaning: "mails each server sends at once (1 to 100)"},
	{Name: "PASSWORD_HASH_CONCURRENCY", Default: "0", Meaning: "argon2id hashes computed at once, 19 MiB each; 0: one per CPU (GOMAXPROCS)"},
	{Name: "PASSWORD_HASH_QUEUE_LENGTH", Default: "128", Meaning: "requests that may wait for a hashing slot; more are answered RATE_LIMITED at once (0: no limit)"},
	{Name: "PASSWORD_HASH_QUEUE_TIMEOUT_MS", Default: "5000", Meaning: "longest wait for a hashing slot before the request is answered RATE_LIMITED"},
	{Name: "AUTO_MIGRATE", Meaning: "apply pending database migrations at start-up; unset: true with SQLite, false with PostgreSQL (run server migrate up)"},
	{Name: "DATABASE_MAX_OPEN_CONNS", Default: "20", Meaning: "most open PostgreSQL connections per server (SQLite sizes its own pool)"},
	{Name: "DATABASE_MAX_IDLE_CONNS", Default: "10", Meaning: "PostgreSQL connections kept open while idle"},
	{Name: "DATABASE_CONN_MAX_LIFETIME_SECONDS", Default: "1800", Meaning: "PostgreSQL connections are replaced after this long (0: never)"},
	{Name: "CORS_ALLOWED_ORIGINS", Meaning: "origins (comma or space separated, e.g. https://app.example.com) whose pages may call /graphql; empty: none"},
	{Name: "DEBUG_PPROF", Default: "false", Meaning: "serve Go's profiler at /debug/pprof/ on METRICS_ADDR (for load tests; never expose it)"},
	{Name: "METRICS_ADDR", Default: "127.0.0.1:9464", Meaning: "host:port of the private listener for /metrics (and /debug/pprof/); off: none; never on the public PORT"},
}

var defaults = func() map[string]string {
	m := make(map[string]string, len(variables))
	for _, v := range variables {
		m[v.Name] = v.Default
	}
	return m
}()

// Variables lists every setting, the contract's first, then Latchkey's extensions.
func Variables() []Variable {
	return slices.Clone(variables)
}

func defaultOf(name string) string {
	d, ok := defaults[name]
	if !ok {
		panic("config: " + name + " is missing from the variables table")
	}
	return d
}
