// Package config reads Latchkey's settings from the environment and a .env file.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"latchkey/account"
	"latchkey/database"
	"latchkey/email"
	"latchkey/outbox"
)

// Config is every setting of the server, parsed and validated, in sections typed by the
// packages that consume them.
type Config struct {
	Account  account.Config   // the rules; app adds what is not a setting (clock, observer …)
	SMTP     email.SMTPConfig // an empty Host writes mails to the log
	Database database.Options // the parsed DATABASE_URL and the pool
	Outbox   outbox.Options   // Lease and Senders
	HTTP     HTTP
	Log      Logging

	AppName     string // in mails and pages
	AppEnv      string // development, production or test
	RedisURL    string // empty: per-IP limits per replica
	AutoMigrate bool

	SecretKeyGenerated bool // SECRET_KEY was unset and Account.SecretKey is random
	FrontendURLDerived bool // FRONTEND_URL was unset: Account.FrontendURL is http://HOST:PORT

	SigningKeysFile string // where Account.SigningKeys were read; "" with HS*
}

// HTTP is how the server listens and whom it believes. Its consumers are several (the routes,
// the listeners and their shutdown in cmd/server, app's choice of a metrics listener), so it
// is not typed by one of them.
type HTTP struct {
	Host                 string
	Port                 int            // 0 picks a free port
	TrustedProxies       []netip.Prefix // a bare IP is a /32 or /128
	CORSAllowedOrigins   []string
	GraphQLIntrospection bool
	Playground           bool // GraphiQL at /playground
	ShutdownTimeout      time.Duration
	RequestTimeout       time.Duration // the deadline of every request's context
	MetricsAddr          string        // "" when off
	DebugPprof           bool
}

// Logging is the threshold and the format of the log.
type Logging struct {
	Level  string // debug, info, warn or error
	Format string // text or json
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
	l := &loader{defaults: map[string]string{}, getenv: getenv, file: file, fileName: dotenvPath, fromFile: map[string]bool{}}
	for _, s := range settings {
		l.defaults[s.Name] = s.Default
	}
	c := &Config{}
	for _, s := range settings {
		s.to(c).load(l, s.Name)
	}
	c.deriveFrontendURL(l)
	c.checkProduction(l)
	if err := errors.Join(l.errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// checkProduction refuses what would only show its harm in production.
func (c *Config) checkProduction(l *loader) {
	if !c.Production() {
		return
	}
	if c.SecretKeyGenerated {
		l.fail("SECRET_KEY", "must be set when APP_ENV=production, or every restart "+c.secretKeyLoss())
	} else if problem := weakKey(string(c.Account.SecretKey)); problem != "" {
		l.fail("SECRET_KEY", problem+" (APP_ENV=production); generate one with openssl rand -hex 32")
	}
	if c.MailToLog() {
		l.fail("MAIL_SERVER", "must be set when APP_ENV=production, or reset mails only reach the log")
	}
}

// secretKeyLoss is what a random SECRET_KEY costs at each restart. With EdDSA or ES256 it still
// keys device tokens and the login throttles' records, which replicas share in the database.
func (c *Config) secretKeyLoss() string {
	if c.Account.SigningKeys != nil {
		return "invalidates device tokens and login throttle records, and replicas disagree on them"
	}
	return "signs everyone out"
}

func (c *Config) secretKeyKeeps() string {
	if c.Account.SigningKeys != nil {
		return "device tokens"
	}
	return "tokens"
}

// signingKeysFileWarning speaks of a key file that users other than the server's may read.
func (c *Config) signingKeysFileWarning() string {
	if c.SigningKeysFile == "" {
		return ""
	}
	fi, err := os.Stat(c.SigningKeysFile)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("SIGNING_KEYS_FILE %s is readable by other users (mode %04o): chmod 600 it", c.SigningKeysFile, fi.Mode().Perm())
}

// Production reports whether APP_ENV is production.
func (c *Config) Production() bool { return c.AppEnv == "production" }

// Addr is the host:port to listen on.
func (c *Config) Addr() string { return net.JoinHostPort(c.HTTP.Host, strconv.Itoa(c.HTTP.Port)) }

// MailToLog reports whether mails are written to the log instead of sent.
func (c *Config) MailToLog() bool { return c.SMTP.Host == "" }

// SQLitePath is the file path of a sqlite: DATABASE_URL, or "" for Postgres.
func (c *Config) SQLitePath() string { return c.Database.URL.Path }

// Level is Log.Level as a slog.Level.
func (c *Config) Level() slog.Level {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Log.Level)) // Load accepted only names slog knows; the rest mean info
	return lvl
}

// Warnings lists settings that work but deserve an operator's attention.
func (c *Config) Warnings() []string {
	var w []string
	if c.SecretKeyGenerated {
		w = append(w, "SECRET_KEY is not set: a random key was generated, "+c.secretKeyKeeps()+" will not survive a restart")
	}
	if w2 := c.signingKeysFileWarning(); w2 != "" {
		w = append(w, w2)
	}
	if problem := weakKey(string(c.Account.SecretKey)); problem != "" && !c.SecretKeyGenerated {
		w = append(w, "SECRET_KEY "+problem+": APP_ENV=production will refuse it")
	}
	if c.HTTP.MetricsAddr != "" && !loopback(c.HTTP.MetricsAddr) {
		w = append(w, "METRICS_ADDR is not a loopback address: keep /metrics off the public internet")
	}
	if c.MailToLog() {
		w = append(w, "MAIL_SERVER is not set: mails are written to the log, not sent")
	} else {
		if c.SMTP.UseTLS && c.SMTP.UseSSL {
			w = append(w, "MAIL_USE_TLS and MAIL_USE_SSL are both true: implicit TLS (SSL) is used")
		}
		if !c.SMTP.UseTLS && !c.SMTP.UseSSL {
			w = append(w, "MAIL_USE_TLS and MAIL_USE_SSL are both false: mails and SMTP credentials travel unencrypted")
		}
	}
	if c.Production() && strings.HasPrefix(strings.ToLower(c.Account.FrontendURL), "http:") {
		w = append(w, "FRONTEND_URL is http in production: reset links travel unencrypted")
	}
	if c.Production() && !c.Account.RateLimitEnabled {
		w = append(w, "RATE_LIMIT_ENABLED is false in production: login and reset can be flooded")
	}
	return w
}

// LogValue shows every setting under its variable name, secrets redacted.
func (c *Config) LogValue() slog.Value {
	attrs := make([]slog.Attr, len(settings))
	for i, s := range settings {
		f := s.to(c)
		v := f.show()
		if s.Secret {
			v = redact(f)
		}
		attrs[i] = slog.Attr{Key: s.Name, Value: v}
	}
	return slog.GroupValue(attrs...)
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
