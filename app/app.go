// Package app wires Latchkey together from its settings: database, mailer, outbox, account
// service and HTTP handler. cmd/server runs it; tests build the very same thing.
package app

import (
	"cmp"
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
	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/metrics"
	"latchkey/outbox"
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
	outbox   *outbox.Outbox
	log      *slog.Logger
	redis    io.Closer // nil without REDIS_URL
	mail     io.Closer // the SMTP transport's kept connections; nil when mail goes to the log
	ready    *server.Readiness
	replicas *replicas // nil on SQLite
}

// Options change what tests need to change; a zero Options is what production runs.
type Options struct {
	Now     func() time.Time // clock for the rules; default time.Now
	SMTPTLS *tls.Config      // trust for the SMTP server's certificate
	Outbox  outbox.Options   // non-zero fields win over OUTBOX_* settings
	Argon2  account.Argon2Params
	// ThrottleEntries bounds the failed-login records kept; default account.DefaultThrottleEntries.
	ThrottleEntries int
	WrapDriver      func(dialect.Driver) dialect.Driver // e.g. to record the SQL statements sent
	// CacheTTL bounds how long the session cache keeps an entry; default account.DefaultCacheTTL.
	CacheTTL time.Duration
	// RedisPrefix begins the keys of the shared rate limits; default ratelimit.DefaultPrefix.
	RedisPrefix string
}

// New opens the database, migrates it unless told not to, and assembles the service.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts Options) (_ *App, err error) {
	a := &App{Config: cfg, log: log}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.DB, err = OpenDB(ctx, cfg, opts.WrapDriver); err != nil {
		return nil, err
	}
	if err := prepareSchema(ctx, a.DB, cfg, log); err != nil {
		return nil, err
	}
	transport, err := mailTransport(cfg, log, opts.SMTPTLS)
	if err != nil {
		return nil, err
	}
	a.mail, _ = transport.(io.Closer)
	mailer, err := email.NewMailer(transport, cfg.AppName)
	if err != nil {
		return nil, err
	}
	m := metrics.New(func() int { return a.Accounts.Hasher().QueueDepth() })
	acfg := accountConfig(cfg, opts)
	acfg.Observer = m
	if cfg.RedisURL != "" {
		rc, err := ratelimit.NewClient(cfg.RedisURL)
		if err != nil {
			return nil, err
		}
		a.redis, acfg.Limiter = rc, ratelimit.New(rc, opts.RedisPrefix)
	}
	if err := a.startAccounts(ctx, mailer, acfg, opts); err != nil {
		return nil, err
	}
	pages, err := web.New(cfg.AppName, cfg.Account.PasswordMinLength, cfg.Account.ResetMailMinInterval)
	if err != nil {
		return nil, err
	}
	a.ready = startReadiness(a.DB, a.outbox, log)
	a.Handler = server.New(server.Deps{
		Accounts:       a.Accounts,
		Readiness:      a.ready,
		Pages:          pages,
		Logger:         log,
		AppName:        cfg.AppName,
		TrustedProxies: cfg.HTTP.TrustedProxies,
		HSTS:           strings.HasPrefix(cfg.Account.FrontendURL, "https://"),
		Introspection:  cfg.HTTP.GraphQLIntrospection,
		Playground:     cfg.HTTP.Playground,
		Metrics:        m,
		CORSOrigins:    cfg.HTTP.CORSAllowedOrigins,
		RequestTimeout: cfg.HTTP.RequestTimeout,
		JWKS:           publishedKeys(cfg),
	})
	if cfg.HTTP.MetricsAddr != "" {
		a.Metrics = server.NewMetrics(m, cfg.HTTP.DebugPprof)
	}
	return a, nil
}

// startAccounts builds the account service and its outbox and, on PostgreSQL, starts listening
// for the other replicas' writes.
func (a *App) startAccounts(ctx context.Context, mailer *email.Mailer, acfg account.Config, opts Options) (err error) {
	if a.replicas = sharedDatabase(a.DB.Dialect); a.replicas != nil {
		acfg.Replicas = a.replicas
	}
	if a.Accounts, a.outbox, err = newAccounts(a.DB, mailer, acfg, a.Config, opts, a.log); err != nil {
		return err
	}
	if a.replicas != nil {
		return a.replicas.watch(ctx, a.Config.Database.URL.Raw, a.Accounts, a.log)
	}
	return nil
}

// publishedKeys is what /.well-known/jwks.json serves: nothing with HS*, whose key is secret.
func publishedKeys(cfg *config.Config) []byte {
	if cfg.Account.SigningKeys == nil {
		return nil
	}
	return cfg.Account.SigningKeys.JWKS()
}

// startReadiness probes what /readyz answers for: the database, with a write, and the mail worker.
func startReadiness(db *database.DB, box *outbox.Outbox, log *slog.Logger) *server.Readiness {
	return server.StartReadiness(log,
		server.Check{Name: "database", Run: db.Probe},
		server.Check{Name: "outbox", Run: func(context.Context) error {
			if box.Stalled() {
				return errors.New("the mail worker has made no progress for longer than OUTBOX_LEASE_SECONDS")
			}
			return nil
		}},
	)
}

// OpenDB opens the database that cfg names, with its pool settings.
func OpenDB(ctx context.Context, cfg *config.Config, wrap func(dialect.Driver) dialect.Driver) (*database.DB, error) {
	opts := cfg.Database
	opts.WrapDriver = wrap
	return database.OpenWith(ctx, opts)
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

// RunOutbox sends queued mail until ctx ends, then drains it as outbox.Outbox.Run says.
func (a *App) RunOutbox(ctx context.Context) { a.outbox.Run(ctx) }

// newAccounts builds the outbox and the account service, each handed the other: the outbox
// calls the service, built after it, through closures.
func newAccounts(db *database.DB, mailer account.Mailer, acfg account.Config, cfg *config.Config, opts Options, log *slog.Logger) (*account.Service, *outbox.Outbox, error) {
	var accounts *account.Service
	box, err := outbox.New(db.Client, outboxOptions(cfg, opts.Outbox), outbox.Hooks{
		Deliver:    func(ctx context.Context, m *ent.OutboxMail) error { return accounts.DeliverMail(ctx, m) },
		Settle:     func(ctx context.Context, rows []*ent.OutboxMail) { accounts.SettleResets(ctx, rows) },
		SettleKind: outboxmail.KindPasswordReset,
		Observe:    func(m *ent.OutboxMail, event string, final bool) { accounts.CountMail(m, event, final) },
		Now:        opts.Now,
		Log:        log,
	})
	if err != nil {
		return nil, nil, err
	}
	acfg.Outbox = box
	accounts, err = account.NewService(db.Client, mailer, acfg, log)
	return accounts, box, err
}

// tokenCleanupInterval is how often expired reset tokens, pending sign-ups and email changes
// are deleted.
const tokenCleanupInterval = 10 * time.Minute

// RunTokenCleanup deletes expired reset tokens, pending sign-ups, verification tokens, email
// changes and ended sessions now and every tokenCleanupInterval until ctx ends.
func (a *App) RunTokenCleanup(ctx context.Context) {
	tick := time.NewTicker(tokenCleanupInterval)
	defer tick.Stop()
	for {
		// A deletion begun is finished: cut short, it would only log a spurious failure.
		a.Accounts.DeleteExpiredResetTokens(context.WithoutCancel(ctx))
		a.Accounts.DeleteExpiredSignUps(context.WithoutCancel(ctx))
		a.Accounts.DeleteExpiredEmailChanges(context.WithoutCancel(ctx))
		a.Accounts.DeleteEndedSessions(context.WithoutCancel(ctx))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Close stops the readiness prober and closes the mail server connections, the database and
// the Redis client.
func (a *App) Close() error {
	var errs []error
	if a.ready != nil {
		a.ready.Stop()
	}
	if a.replicas != nil {
		errs = append(errs, a.replicas.close())
	}
	if a.mail != nil {
		errs = append(errs, a.mail.Close())
	}
	if a.DB != nil {
		errs = append(errs, a.DB.Close())
	}
	if a.redis != nil {
		errs = append(errs, a.redis.Close())
	}
	return errors.Join(errs...)
}

// accountConfig adds to the settings what is not one: the issuer, tests' clock and hashing.
func accountConfig(cfg *config.Config, opts Options) account.Config {
	c := cfg.Account
	c.Issuer = c.FrontendURL
	c.Now, c.Argon2, c.ThrottleEntries, c.CacheTTL = opts.Now, opts.Argon2, opts.ThrottleEntries, opts.CacheTTL
	return c
}

// outboxOptions is the OUTBOX_* settings, with what a test set in o winning.
func outboxOptions(cfg *config.Config, o outbox.Options) outbox.Options {
	o.Lease = cmp.Or(o.Lease, cfg.Outbox.Lease)
	o.Senders = cmp.Or(o.Senders, cfg.Outbox.Senders)
	o.DrainTimeout = cmp.Or(o.DrainTimeout, drainTimeout(cfg.HTTP.ShutdownTimeout))
	return o
}

// drainTimeout is the outbox's share of the shutdown budget, which it spends while the HTTP
// servers finish their requests: all of it but a quarter, at most 2 s, left for abandoned sends
// to wind up and for closing.
func drainTimeout(shutdown time.Duration) time.Duration {
	return shutdown - min(shutdown/4, 2*time.Second)
}

func mailTransport(cfg *config.Config, log *slog.Logger, tlsConfig *tls.Config) (email.Transport, error) {
	if cfg.MailToLog() {
		return email.LogTransport{Logger: log}, nil
	}
	smtp := cfg.SMTP
	smtp.TLSConfig = tlsConfig
	t, err := email.NewSMTPTransport(smtp)
	if err != nil {
		return nil, fmt.Errorf("mail settings: %w", err)
	}
	return t, nil
}
