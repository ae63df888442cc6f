// Package app wires Latchkey together from its settings: database, mailer, account service and
// HTTP handler. cmd/server runs it; tests build the very same thing.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"latchkey/account"
	"latchkey/config"
	"latchkey/database"
	"latchkey/email"
	"latchkey/metrics"
	"latchkey/ratelimit"
	"latchkey/server"
	"latchkey/web"
)

// App is a wired server, not yet listening.
type App struct {
	Config   *config.Config
	DB       *database.DB
	Accounts *account.Service
	Handler  http.Handler // the public listener's
	Metrics  http.Handler // the private listener's (METRICS_ADDR); nil when it is off
	log      *slog.Logger
	redis    io.Closer // nil without REDIS_URL
}

// Options change what tests need to change; a zero Options is what production runs.
type Options struct {
	Now     func() time.Time      // clock for the rules; default time.Now
	SMTPTLS *tls.Config           // trust for the SMTP server's certificate
	Outbox  account.OutboxOptions // non-zero fields win over OUTBOX_* settings
	Argon2  account.Argon2Params
	// ThrottleEntries bounds the failed-login records kept; default account.DefaultThrottleEntries.
	ThrottleEntries int
	WrapDriver      func(dialect.Driver) dialect.Driver // e.g. to record the SQL statements sent
	// RedisPrefix begins the keys of the shared rate limits; default ratelimit.DefaultPrefix.
	RedisPrefix string
}

// New opens the database, migrates it unless told not to, and assembles the service.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts Options) (*App, error) {
	db, err := OpenDB(ctx, cfg, opts.WrapDriver)
	if err != nil {
		return nil, err
	}
	if err := prepareSchema(ctx, db, cfg, log); err != nil {
		db.Close()
		return nil, err
	}
	transport, err := mailTransport(cfg, log, opts.SMTPTLS)
	if err != nil {
		db.Close()
		return nil, err
	}
	mailer, err := email.NewMailer(transport, cfg.AppName)
	if err != nil {
		db.Close()
		return nil, err
	}
	var accounts *account.Service
	m := metrics.New(func() int { return accounts.Hasher().QueueDepth() })
	acfg := accountConfig(cfg, opts)
	acfg.Observer = m
	var redis io.Closer
	if cfg.RedisURL != "" {
		rc, err := ratelimit.NewClient(cfg.RedisURL)
		if err != nil {
			db.Close()
			return nil, err
		}
		redis, acfg.Limiter = rc, ratelimit.New(rc, opts.RedisPrefix)
	}
	accounts, err = account.NewService(db.Client, mailer, acfg, log)
	if err != nil {
		closeAll(db, redis)
		return nil, err
	}
	pages, err := web.New(cfg.AppName, cfg.PasswordMinLength)
	if err != nil {
		closeAll(db, redis)
		return nil, err
	}
	handler := server.New(server.Deps{
		Accounts:       accounts,
		DB:             db.SQL,
		Pages:          pages,
		Logger:         log,
		AppName:        cfg.AppName,
		TrustedProxies: cfg.TrustedProxies,
		HSTS:           strings.HasPrefix(cfg.FrontendURL, "https://"),
		Introspection:  cfg.GraphQLIntrospection,
		Metrics:        m,
		CORSOrigins:    cfg.CORSAllowedOrigins,
	})
	a := &App{Config: cfg, DB: db, Accounts: accounts, Handler: handler, log: log, redis: redis}
	if cfg.MetricsAddr != "" {
		a.Metrics = server.NewMetrics(m, cfg.DebugPprof)
	}
	return a, nil
}

// OpenDB opens the database that cfg names, with its pool settings.
func OpenDB(ctx context.Context, cfg *config.Config, wrap func(dialect.Driver) dialect.Driver) (*database.DB, error) {
	return database.OpenWith(ctx, cfg.DatabaseURL, database.Options{
		WrapDriver:      wrap,
		MaxOpenConns:    cfg.DBMaxOpenConns,
		MaxIdleConns:    cfg.DBMaxIdleConns,
		ConnMaxLifetime: cfg.DBConnMaxLifetime,
	})
}

// prepareSchema applies pending migrations with AUTO_MIGRATE, and otherwise refuses to run on
// a database whose schema is behind this binary.
func prepareSchema(ctx context.Context, db *database.DB, cfg *config.Config, log *slog.Logger) error {
	if cfg.AutoMigrate {
		applied, err := db.Migrate(ctx)
		for _, v := range applied {
			log.Info("applied database migration", "version", v)
		}
		return err
	}
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return fmt.Errorf("read migration status: %w", err)
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("the database lacks %d migration(s) (%s): run `server migrate up`, or set AUTO_MIGRATE=true",
			len(st.Pending), strings.Join(st.Pending, ", "))
	}
	return nil
}

// RunOutbox sends queued mail until ctx ends, then drains what is due.
func (a *App) RunOutbox(ctx context.Context) { a.Accounts.RunOutbox(ctx) }

// Close closes the database and the Redis client.
func (a *App) Close() error { return closeAll(a.DB, a.redis) }

func closeAll(closers ...io.Closer) error {
	var errs []error
	for _, c := range closers {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

func accountConfig(cfg *config.Config, opts Options) account.Config {
	return account.Config{
		SecretKey:            []byte(cfg.SecretKey),
		Algorithm:            cfg.Algorithm,
		Issuer:               cfg.FrontendURL,
		AccessTokenTTL:       cfg.AccessTokenTTL,
		ResetTokenTTL:        cfg.ResetTokenTTL,
		FrontendURL:          cfg.FrontendURL,
		PasswordMinLength:    cfg.PasswordMinLength,
		ResetMailMinInterval: cfg.ResetMailMinInterval,
		ResetMailsPerHour:    cfg.ResetMailsPerHour,
		RateLimitEnabled:     cfg.RateLimitEnabled,
		RateLimits: account.RateLimits{
			ForgotPassword:  cfg.RateLimitForgotPassword,
			Login:           cfg.RateLimitLogin,
			ResetPassword:   cfg.RateLimitResetPassword,
			CheckResetToken: cfg.RateLimitCheckToken,
			Register:        cfg.RateLimitRegister,
		},
		Outbox:          outboxOptions(cfg, opts.Outbox),
		Now:             opts.Now,
		Argon2:          opts.Argon2,
		ThrottleEntries: opts.ThrottleEntries,
		HashLimits: account.HashLimits{
			Concurrency:  cfg.PasswordHashConcurrency,
			QueueLength:  cfg.PasswordHashQueueLength,
			QueueTimeout: cfg.PasswordHashQueueTimeout,
		},
	}
}

func outboxOptions(cfg *config.Config, o account.OutboxOptions) account.OutboxOptions {
	if o.Lease == 0 {
		o.Lease = cfg.OutboxLease
	}
	if o.Senders == 0 {
		o.Senders = cfg.OutboxSenders
	}
	return o
}

func mailTransport(cfg *config.Config, log *slog.Logger, tlsConfig *tls.Config) (email.Transport, error) {
	if cfg.MailToLog() {
		return email.LogTransport{Logger: log}, nil
	}
	t, err := email.NewSMTPTransport(email.SMTPConfig{
		Host:      cfg.MailServer,
		Port:      cfg.MailPort,
		Username:  cfg.MailUsername,
		Password:  cfg.MailPassword,
		From:      cfg.MailFrom,
		UseTLS:    cfg.MailUseTLS,
		UseSSL:    cfg.MailUseSSL,
		TLSConfig: tlsConfig,
	})
	if err != nil {
		return nil, fmt.Errorf("mail settings: %w", err)
	}
	return t, nil
}
