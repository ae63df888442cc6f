// Package config reads Latchkey's settings from the environment and a .env file.
package config

import (
	"cmp"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the server, parsed and validated.
type Config struct {
	SecretKey            string         // SECRET_KEY, or a random key when unset
	SecretKeyGenerated   bool           // SECRET_KEY was unset and SecretKey is random
	Algorithm            string         // ALGORITHM: HS256, HS384 or HS512
	AccessTokenTTL       time.Duration  // ACCESS_TOKEN_EXPIRE_MINUTES
	ResetTokenTTL        time.Duration  // RESET_TOKEN_EXPIRE_MINUTES
	PasswordMinLength    int            // PASSWORD_MIN_LENGTH
	AppName              string         // APP_NAME
	MailServer           string         // MAIL_SERVER; empty: mails go to the log
	MailPort             int            // MAIL_PORT
	MailUsername         string         // MAIL_USERNAME
	MailPassword         string         // MAIL_PASSWORD
	MailFrom             string         // MAIL_FROM
	MailUseTLS           bool           // MAIL_USE_TLS
	MailUseSSL           bool           // MAIL_USE_SSL
	FrontendURL          string         // FRONTEND_URL, without a trailing slash
	DatabaseURL          string         // DATABASE_URL
	Host                 string         // HOST
	Port                 int            // PORT; 0 picks a free port
	RateLimitEnabled     bool           // RATE_LIMIT_ENABLED
	ResetMailMinInterval time.Duration  // RESET_MAIL_MIN_INTERVAL_SECONDS
	ResetMailsPerHour    int            // RESET_MAILS_PER_HOUR
	TrustedProxies       []netip.Prefix // TRUSTED_PROXIES; a bare IP is a /32 or /128
	AppEnv               string         // APP_ENV: development, production or test
	GraphQLIntrospection bool           // GRAPHQL_INTROSPECTION

	RateLimitForgotPassword int    // RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE
	RateLimitLogin          int    // RATE_LIMIT_LOGIN_PER_MINUTE
	RateLimitResetPassword  int    // RATE_LIMIT_RESET_PASSWORD_PER_MINUTE
	RateLimitCheckToken     int    // RATE_LIMIT_CHECK_RESET_TOKEN_PER_MINUTE
	RateLimitRegister       int    // RATE_LIMIT_REGISTER_PER_MINUTE
	RedisURL                string // REDIS_URL; empty: per-IP limits per replica

	LogLevel        string        // LOG_LEVEL: debug, info, warn or error
	LogFormat       string        // LOG_FORMAT: text or json
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT_SECONDS

	OutboxLease   time.Duration // OUTBOX_LEASE_SECONDS
	OutboxSenders int           // OUTBOX_SENDERS

	PasswordHashConcurrency  int           // PASSWORD_HASH_CONCURRENCY; 0: GOMAXPROCS
	PasswordHashQueueLength  int           // PASSWORD_HASH_QUEUE_LENGTH; 0: no limit
	PasswordHashQueueTimeout time.Duration // PASSWORD_HASH_QUEUE_TIMEOUT_MS
	DebugPprof               bool          // DEBUG_PPROF
	MetricsAddr              string        // METRICS_ADDR; "" when off

	AutoMigrate        bool          // AUTO_MIGRATE; unset: true with SQLite only
	DBMaxOpenConns     int           // DATABASE_MAX_OPEN_CONNS
	DBMaxIdleConns     int           // DATABASE_MAX_IDLE_CONNS
	DBConnMaxLifetime  time.Duration // DATABASE_CONN_MAX_LIFETIME_SECONDS
	CORSAllowedOrigins []string      // CORS_ALLOWED_ORIGINS
}

// Load reads each setting from getenv, else from the .env file at dotenvPath, else its default.
func Load(getenv func(string) string, dotenvPath string) (*Config, error) {
	file, err := readDotenv(dotenvPath)
	if err != nil {
		return nil, err
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	l := &loader{getenv: getenv, file: file, fileName: dotenvPath, fromFile: map[string]bool{}}
	c := &Config{}
	c.SecretKey, c.SecretKeyGenerated = l.secretKey()
	c.Algorithm = l.oneOf("ALGORITHM", "HS256", "HS384", "HS512")
	c.AccessTokenTTL = l.duration("ACCESS_TOKEN_EXPIRE_MINUTES", 1, time.Minute)
	c.ResetTokenTTL = l.duration("RESET_TOKEN_EXPIRE_MINUTES", 1, time.Minute)
	c.PasswordMinLength = l.integer("PASSWORD_MIN_LENGTH", 1, 128)
	c.AppName = l.str("APP_NAME")
	c.MailServer = l.str("MAIL_SERVER")
	c.MailPort = l.integer("MAIL_PORT", 1, 65535)
	c.MailUsername = l.str("MAIL_USERNAME")
	c.MailPassword = l.str("MAIL_PASSWORD")
	c.MailFrom = l.mailFrom()
	c.MailUseTLS = l.boolean("MAIL_USE_TLS")
	c.MailUseSSL = l.boolean("MAIL_USE_SSL")
	c.FrontendURL = l.frontendURL()
	c.DatabaseURL = l.databaseURL()
	c.Host = l.str("HOST")
	c.Port = l.integer("PORT", 0, 65535)
	c.RateLimitEnabled = l.boolean("RATE_LIMIT_ENABLED")
	c.ResetMailMinInterval = l.duration("RESET_MAIL_MIN_INTERVAL_SECONDS", 0, time.Second)
	c.ResetMailsPerHour = l.integer("RESET_MAILS_PER_HOUR", 1, math.MaxInt)
	c.TrustedProxies = l.trustedProxies()
	c.AppEnv = l.oneOf("APP_ENV", "development", "production", "test")
	c.GraphQLIntrospection = l.boolean("GRAPHQL_INTROSPECTION")
	c.RateLimitForgotPassword = l.integer("RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE", 1, math.MaxInt)
	c.RateLimitLogin = l.integer("RATE_LIMIT_LOGIN_PER_MINUTE", 1, math.MaxInt)
	c.RateLimitResetPassword = l.integer("RATE_LIMIT_RESET_PASSWORD_PER_MINUTE", 1, math.MaxInt)
	c.RateLimitCheckToken = l.integer("RATE_LIMIT_CHECK_RESET_TOKEN_PER_MINUTE", 1, math.MaxInt)
	c.RateLimitRegister = l.integer("RATE_LIMIT_REGISTER_PER_MINUTE", 1, math.MaxInt)
	c.RedisURL = l.redisURL()
	c.LogLevel = l.oneOf("LOG_LEVEL", "debug", "info", "warn", "error")
	c.LogFormat = l.oneOf("LOG_FORMAT", "text", "json")
	c.ShutdownTimeout = l.duration("SHUTDOWN_TIMEOUT_SECONDS", 1, time.Second)
	c.OutboxLease = l.duration("OUTBOX_LEASE_SECONDS", 1, time.Second)
	c.OutboxSenders = l.integer("OUTBOX_SENDERS", 1, 100)
	c.PasswordHashConcurrency = l.integer("PASSWORD_HASH_CONCURRENCY", 0, 1024)
	c.PasswordHashQueueLength = l.integer("PASSWORD_HASH_QUEUE_LENGTH", 0, 1_000_000)
	c.PasswordHashQueueTimeout = l.duration("PASSWORD_HASH_QUEUE_TIMEOUT_MS", 1, time.Millisecond)
	c.DebugPprof = l.boolean("DEBUG_PPROF")
	c.MetricsAddr = l.listenAddr("METRICS_ADDR")
	c.AutoMigrate = l.autoMigrate(c.DatabaseURL)
	c.DBMaxOpenConns = l.integer("DATABASE_MAX_OPEN_CONNS", 1, 10_000)
	c.DBMaxIdleConns = l.integer("DATABASE_MAX_IDLE_CONNS", 0, 10_000)
	c.DBConnMaxLifetime = l.duration("DATABASE_CONN_MAX_LIFETIME_SECONDS", 0, time.Second)
	c.CORSAllowedOrigins = l.origins("CORS_ALLOWED_ORIGINS")

	if c.Production() {
		if c.SecretKeyGenerated {
			l.fail("SECRET_KEY", "must be set when APP_ENV=production, or every restart signs everyone out")
		} else if problem := weakKey(c.SecretKey); problem != "" {
			l.fail("SECRET_KEY", problem+" (APP_ENV=production); generate one with openssl rand -hex 32")
		}
		if c.MailServer == "" {
			l.fail("MAIL_SERVER", "must be set when APP_ENV=production, or reset mails only reach the log")
		}
	}
	if err := errors.Join(l.errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// Production reports whether APP_ENV is production.
func (c *Config) Production() bool { return c.AppEnv == "production" }

// Addr is the host:port to listen on.
func (c *Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// MailToLog reports whether mails are written to the log instead of sent.
func (c *Config) MailToLog() bool { return c.MailServer == "" }

// SQLitePath is the file path of a sqlite: DATABASE_URL, or "" for Postgres.
func (c *Config) SQLitePath() string { return sqlitePath(c.DatabaseURL) }

// Level is LogLevel as a slog.Level.
func (c *Config) Level() slog.Level {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel)) // Load accepted only names slog knows; the rest mean info
	return lvl
}

// Warnings lists settings that work but deserve an operator's attention.
func (c *Config) Warnings() []string {
	var w []string
	if c.SecretKeyGenerated {
		w = append(w, "SECRET_KEY is not set: a random key was generated, tokens will not survive a restart")
	}
	if problem := weakKey(c.SecretKey); problem != "" && !c.SecretKeyGenerated {
		w = append(w, "SECRET_KEY "+problem+": APP_ENV=production will refuse it")
	}
	if c.MetricsAddr != "" && !loopback(c.MetricsAddr) {
		w = append(w, "METRICS_ADDR is not a loopback address: keep /metrics off the public internet")
	}
	if c.MailToLog() {
		w = append(w, "MAIL_SERVER is not set: mails are written to the log, not sent")
	} else {
		if c.MailUseTLS && c.MailUseSSL {
			w = append(w, "MAIL_USE_TLS and MAIL_USE_SSL are both true: implicit TLS (SSL) is used")
		}
		if !c.MailUseTLS && !c.MailUseSSL {
			w = append(w, "MAIL_USE_TLS and MAIL_USE_SSL are both false: mails and SMTP credentials travel unencrypted")
		}
	}
	if c.Production() && strings.HasPrefix(strings.ToLower(c.FrontendURL), "http:") {
		w = append(w, "FRONTEND_URL is http in production: reset links travel unencrypted")
	}
	if c.Production() && !c.RateLimitEnabled {
		w = append(w, "RATE_LIMIT_ENABLED is false in production: login and reset can be flooded")
	}
	return w
}

// LogValue shows every setting under its variable name, secrets redacted.
func (c *Config) LogValue() slog.Value {
	secretKey := "[redacted]"
	if c.SecretKeyGenerated {
		secretKey = "[generated]"
	}
	mailPassword := ""
	if c.MailPassword != "" {
		mailPassword = "[redacted]"
	}
	proxies := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		proxies[i] = p.String()
	}
	return slog.GroupValue(
		slog.String("SECRET_KEY", secretKey),
		slog.String("ALGORITHM", c.Algorithm),
		slog.Int64("ACCESS_TOKEN_EXPIRE_MINUTES", int64(c.AccessTokenTTL/time.Minute)),
		slog.Int64("RESET_TOKEN_EXPIRE_MINUTES", int64(c.ResetTokenTTL/time.Minute)),
		slog.Int("PASSWORD_MIN_LENGTH", c.PasswordMinLength),
		slog.String("APP_NAME", c.AppName),
		slog.String("MAIL_SERVER", c.MailServer),
		slog.Int("MAIL_PORT", c.MailPort),
		slog.String("MAIL_USERNAME", c.MailUsername),
		slog.String("MAIL_PASSWORD", mailPassword),
		slog.String("MAIL_FROM", c.MailFrom),
		slog.Bool("MAIL_USE_TLS", c.MailUseTLS),
		slog.Bool("MAIL_USE_SSL", c.MailUseSSL),
		slog.String("FRONTEND_URL", c.FrontendURL),
		slog.String("DATABASE_URL", redactDSN(c.DatabaseURL)),
		slog.String("HOST", c.Host),
		slog.Int("PORT", c.Port),
		slog.Bool("RATE_LIMIT_ENABLED", c.RateLimitEnabled),
		slog.Int64("RESET_MAIL_MIN_INTERVAL_SECONDS", int64(c.ResetMailMinInterval/time.Second)),
		slog.Int("RESET_MAILS_PER_HOUR", c.ResetMailsPerHour),
		slog.String("TRUSTED_PROXIES", strings.Join(proxies, ",")),
		slog.String("APP_ENV", c.AppEnv),
		slog.Bool("GRAPHQL_INTROSPECTION", c.GraphQLIntrospection),
		slog.Int("RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE", c.RateLimitForgotPassword),
		slog.Int("RATE_LIMIT_LOGIN_PER_MINUTE", c.RateLimitLogin),
		slog.Int("RATE_LIMIT_RESET_PASSWORD_PER_MINUTE", c.RateLimitResetPassword),
		slog.Int("RATE_LIMIT_CHECK_RESET_TOKEN_PER_MINUTE", c.RateLimitCheckToken),
		slog.Int("RATE_LIMIT_REGISTER_PER_MINUTE", c.RateLimitRegister),
		slog.String("REDIS_URL", redactDSN(c.RedisURL)),
		slog.String("LOG_LEVEL", c.LogLevel),
		slog.String("LOG_FORMAT", c.LogFormat),
		slog.Int64("SHUTDOWN_TIMEOUT_SECONDS", int64(c.ShutdownTimeout/time.Second)),
		slog.Int64("OUTBOX_LEASE_SECONDS", int64(c.OutboxLease/time.Second)),
		slog.Int("OUTBOX_SENDERS", c.OutboxSenders),
		slog.Int("PASSWORD_HASH_CONCURRENCY", c.PasswordHashConcurrency),
		slog.Int("PASSWORD_HASH_QUEUE_LENGTH", c.PasswordHashQueueLength),
		slog.Int64("PASSWORD_HASH_QUEUE_TIMEOUT_MS", c.PasswordHashQueueTimeout.Milliseconds()),
		slog.Bool("AUTO_MIGRATE", c.AutoMigrate),
		slog.Int("DATABASE_MAX_OPEN_CONNS", c.DBMaxOpenConns),
		slog.Int("DATABASE_MAX_IDLE_CONNS", c.DBMaxIdleConns),
		slog.Int("DATABASE_CONN_MAX_LIFETIME_SECONDS", int(c.DBConnMaxLifetime/time.Second)),
		slog.String("CORS_ALLOWED_ORIGINS", strings.Join(c.CORSAllowedOrigins, ",")),
		slog.Bool("DEBUG_PPROF", c.DebugPprof),
		slog.String("METRICS_ADDR", cmp.Or(c.MetricsAddr, "off")),
	)
}

// redactDSN hides a Postgres password, whether in the user info or in the query.
func redactDSN(dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "[redacted]"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
