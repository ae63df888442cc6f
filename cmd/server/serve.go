package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"time"

	"latchkey/app"
	"latchkey/config"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, envFile := commandFlags("serve", "Usage: server [serve] [--env-file PATH]\n\n"+
		"Runs the account server until it is sent SIGINT or SIGTERM.\n\n", stderr)
	if rest, err := parseFlags(fs, args, stdout, stderr); err != nil || len(rest) > 0 {
		return orUsage(fs, err, "serve takes no arguments")
	}
	cfg, err := loadSettings(getenv, *envFile)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	// Listening first: with PORT=0 only the open port tells the FRONTEND_URL derived from it.
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr(), err)
	}
	cfg.Listening(ln.Addr().(*net.TCPAddr).Port)
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	log.Debug("settings", "config", cfg)
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		ln.Close()
		return err
	}
	servers, listeners, err := listen(cfg, a, ln, log)
	if err != nil {
		a.Close()
		return err
	}
	metricsAddr := ""
	if len(listeners) > 1 {
		metricsAddr = listeners[1].Addr().String()
	}
	printBanner(stdout, cfg, listeners[0].Addr().String(), metricsAddr)

	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.RunOutbox(workerCtx) })
	wg.Go(func() { a.RunTokenCleanup(workerCtx) })

	serveErr := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { serveErr <- srv.Serve(listeners[i]) }()
	}
	select {
	case err = <-serveErr: // one listener failed: the other stops with it
	case <-ctx.Done():
		log.Info("shutting down: finishing requests in flight and mail that is due", "timeout", cfg.HTTP.ShutdownTimeout.String())
	}
	err = errors.Join(err, stop(servers, stopWorker, &wg, a, cfg.HTTP.ShutdownTimeout, log))
	log.Info("stopped")
	return err
}

// stop shuts down within one budget from now: the servers finish their requests while the
// workers drain (the outbox abandons its sends in flight in time), then the app closes. Should
// anything still hang when the budget is spent, it returns without it: the process exits.
func stop(servers []*http.Server, stopWorkers func(), workers *sync.WaitGroup, a *app.App, budget time.Duration, log *slog.Logger) error {
	deadline := time.Now().Add(budget)
	stopWorkers()
	done := make(chan error, 1)
	go func() {
		err := shutdown(servers, deadline)
		workers.Wait()
		done <- errors.Join(err, a.Close())
	}()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		log.Error("shutdown: SHUTDOWN_TIMEOUT_SECONDS is spent; exiting with work unfinished", "timeout", budget.String())
		return fmt.Errorf("shutdown did not finish within %s", budget)
	}
}

// listen makes the server of the public listener ln and, with METRICS_ADDR, opens the private
// one with its server.
func listen(cfg *config.Config, a *app.App, ln net.Listener, log *slog.Logger) ([]*http.Server, []net.Listener, error) {
	errorLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	servers := []*http.Server{{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errorLog,
	}}
	listeners := []net.Listener{ln}
	if a.Metrics != nil {
		mln, err := net.Listen("tcp", cfg.HTTP.MetricsAddr)
		if err != nil {
			ln.Close()
			return nil, nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", cfg.HTTP.MetricsAddr, err)
		}
		// No WriteTimeout: a CPU profile streams for as long as it was asked to.
		servers = append(servers, &http.Server{Handler: a.Metrics, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: errorLog})
		listeners = append(listeners, mln)
	}
	return servers, listeners, nil
}

// shutdown stops every server by one shared deadline.
func shutdown(servers []*http.Server, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Go(func() { errs[i] = srv.Shutdown(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level()}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func printBanner(w io.Writer, cfg *config.Config, addr, metricsAddr string) {
	mail := "written to the log (MAIL_SERVER is not set)"
	if !cfg.MailToLog() {
		mail = fmt.Sprintf("SMTP %s", net.JoinHostPort(cfg.SMTP.Host, fmt.Sprint(cfg.SMTP.Port)))
	}
	metrics := "off (METRICS_ADDR=off)"
	if metricsAddr != "" {
		metrics = "http://" + metricsAddr + "/metrics"
	}
	listening := "http://" + addr
	base := listening
	if cfg.FrontendURLDerived {
		base = cfg.Account.FrontendURL // the same origin as the links, localhost for a wildcard HOST
	}
	playground := "off (PLAYGROUND_ENABLED=false)"
	if cfg.HTTP.Playground {
		playground = base + "/playground"
	}
	fmt.Fprintf(w, `%s %s
  listening   %s
  database    %s
  mail        %s
  pages       %s/
  graphql     %s/graphql
  playground  %s
  tokens      %s
  metrics     %s
`, cfg.AppName, version(), listening, databaseLabel(cfg.Database.URL.Raw), mail, base, base, playground, tokensLabel(cfg, base), metrics)
}

// tokensLabel says how access tokens are signed and, for EdDSA and ES256, where the keys are.
func tokensLabel(cfg *config.Config, base string) string {
	keys := cfg.Account.SigningKeys
	if keys == nil {
		return cfg.Account.Algorithm + " with SECRET_KEY (no public keys)"
	}
	return fmt.Sprintf("%s, kid %s signs; %d public key(s) at %s/.well-known/jwks.json",
		keys.Algorithm(), keys.Signer().ID, len(keys.Keys()), base)
}

// databaseLabel names the database without any password the URL may hold.
func databaseLabel(dbURL string) string {
	if u, err := url.Parse(dbURL); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return dbURL
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
