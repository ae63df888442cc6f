// Package apptest starts a whole Latchkey for tests: the real wiring from package app on a real
// database (a SQLite file, or PostgreSQL with TEST_DATABASE_URL), behind a real HTTP server,
// sending mail to a real SMTP server on loopback.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"latchkey/account"
	"latchkey/app"
	"latchkey/config"
	"latchkey/email/emailtest"
	"latchkey/outbox"
)

// SecretKey signs the test servers' access tokens.
const SecretKey = "test-secret-key-that-is-at-least-32-bytes-long"

// Setup says how to start an Env; the zero value is a server with contract defaults, except
// that per-IP rate limits are off so tests do not trip over each other.
type Setup struct {
	Env      map[string]string // settings that override the defaults
	SMTP     emailtest.Options // the test mail server
	NoWorker bool              // do not send queued mail nor delete expired reset tokens
	Outbox   outbox.Options
	Argon2   account.Argon2Params
	// ThrottleEntries, when set, bounds the failed-login records, so a test can reach the bound.
	ThrottleEntries int
	// DatabaseURL is the database to use, e.g. an earlier Env's to restart on it; default a fresh
	// one: a SQLite file, or a new PostgreSQL database when TEST_DATABASE_URL is set.
	DatabaseURL string

	// LinksToServer sets FRONTEND_URL to the test server's own address (unless Env sets it), so
	// that links in mails open on the server under test, as a browser test needs.
	LinksToServer bool
	// Wrap, when set, wraps the app's handler in the test server, e.g. to watch the requests.
	Wrap func(http.Handler) http.Handler
	// WrapDriver, when set, wraps the database driver, e.g. to record the SQL statements sent.
	WrapDriver func(dialect.Driver) dialect.Driver
	// CacheTTL, when set, is how long the session cache keeps an entry: long, to show that
	// notifications alone keep it true.
	CacheTTL time.Duration
	// RedisPrefix begins the shared rate limits' keys when Env sets REDIS_URL: give each test
	// its own, and two Envs of one test the same to share their allowances.
	RedisPrefix string
}

// Env is one running server and what surrounds it.
type Env struct {
	App         *app.App
	HTTP        *httptest.Server
	Metrics     *httptest.Server // the private listener (METRICS_ADDR); nil when it is off
	SMTP        *emailtest.Server
	Clock       *Clock
	DBPath      string // the SQLite file, or "" on PostgreSQL
	DatabaseURL string
	logs        *syncBuffer

	noWorker bool
	stopOnce sync.Once
	stop     func()
}

// Start starts an Env and stops it when the test ends.
func Start(tb testing.TB, s Setup) *Env {
	tb.Helper()
	smtp := emailtest.Start(tb, s.SMTP)
	cfg, dbURL, ln := settings(tb, s, smtp)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := NewClock()
	outbox := s.Outbox
	if outbox.PollInterval == 0 {
		outbox.PollInterval = 20 * time.Millisecond
	}
	a, err := app.New(context.Background(), cfg, log, app.Options{
		Now:             clock.Now,
		SMTPTLS:         smtpTLS(smtp),
		Outbox:          outbox,
		Argon2:          s.Argon2,
		CacheTTL:        s.CacheTTL,
		ThrottleEntries: s.ThrottleEntries,
		WrapDriver:      s.WrapDriver,
		RedisPrefix:     s.RedisPrefix,
	})
	if err != nil {
		tb.Fatalf("start app: %v", err)
	}
	e := &Env{App: a, SMTP: smtp, Clock: clock, DBPath: cfg.SQLitePath(), DatabaseURL: dbURL, logs: logs, noWorker: s.NoWorker}
	e.serve(s, ln)
	tb.Cleanup(func() {
		e.Stop()
		if tb.Failed() {
			tb.Logf("server log:\n%s", logs.String())
		}
	})
	return e
}

// settings are the test's: a fresh database, mail to smtp, no rate limits, then s.Env. With
// LinksToServer, ln is the listener the server will use, so that links can name it.
func settings(tb testing.TB, s Setup, smtp *emailtest.Server) (cfg *config.Config, dbURL string, ln net.Listener) {
	tb.Helper()
	dbURL = s.DatabaseURL
	if dbURL == "" {
		dbURL = FreshDatabase(tb)
	}
	env := map[string]string{
		"SECRET_KEY":         SecretKey,
		"DATABASE_URL":       dbURL,
		"AUTO_MIGRATE":       "true",
		"MAIL_SERVER":        smtp.Host(),
		"MAIL_PORT":          strconv.Itoa(smtp.Port()),
		"MAIL_USE_TLS":       "false",
		"RATE_LIMIT_ENABLED": "false",
		"APP_ENV":            "test",
	}
	if s.LinksToServer {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			tb.Fatalf("listen: %v", err)
		}
		tb.Cleanup(func() { ln.Close() })
		env["FRONTEND_URL"] = "http://" + ln.Addr().String()
	}
	maps.Copy(env, s.Env)
	cfg, err := config.Load(func(k string) string { return env[k] }, "")
	if err != nil {
		tb.Fatalf("settings: %v", err)
	}
	return cfg, dbURL, ln
}

// serve starts the listeners (on ln, when set) and, unless s.NoWorker, the workers.
func (e *Env) serve(s Setup, ln net.Listener) {
	handler := e.App.Handler
	if s.Wrap != nil {
		handler = s.Wrap(handler)
	}
	e.HTTP = httptest.NewUnstartedServer(handler)
	if ln != nil {
		e.HTTP.Listener.Close()
		e.HTTP.Listener = ln
	}
	e.HTTP.Start()
	if e.App.Metrics != nil {
		e.Metrics = httptest.NewServer(e.App.Metrics)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if !s.NoWorker {
		wg.Go(func() { e.App.RunOutbox(ctx) })
		wg.Go(func() { e.App.RunTokenCleanup(ctx) })
	}
	e.stop = func() {
		e.HTTP.Close()
		if e.Metrics != nil {
			e.Metrics.Close()
		}
		cancel()
		wg.Wait()
		e.App.Close()
	}
}

// Stop shuts the server down as a restart would: HTTP first, then the mail worker, then the
// database. It is safe to call more than once; the test's cleanup calls it too.
func (e *Env) Stop() { e.stopOnce.Do(e.stop) }

// URL is the server's base URL.
func (e *Env) URL() string { return e.HTTP.URL }

// Logs returns everything the server logged so far.
func (e *Env) Logs() string { return e.logs.String() }

// Response is a decoded GraphQL response with the HTTP status and headers.
type Response struct {
	Status int
	Header http.Header
	Data   map[string]json.RawMessage
	Errors []GQLError
	Body   []byte
}

// GQLError is one error of a response.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns the first error's extensions.code, or "" when there is none.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data[field] into v, failing the test when it is missing.
func (r *Response) Decode(tb testing.TB, field string, v any) {
	tb.Helper()
	raw, ok := r.Data[field]
	if !ok || string(raw) == "null" {
		tb.Fatalf("no data.%s in response %s", field, r.Body)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		tb.Fatalf("decode data.%s: %v", field, err)
	}
}

// Query posts a GraphQL operation; token, when not empty, goes in the Authorization header.
func (e *Env) Query(tb testing.TB, token, query string, vars map[string]any) *Response {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.Do(tb, req)
}

// Do sends a prepared request to the server and decodes the answer as GraphQL when it is JSON.
func (e *Env) Do(tb testing.TB, req *http.Request) *Response {
	tb.Helper()
	resp, err := e.HTTP.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read response: %v", err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		var decoded struct {
			Data   map[string]json.RawMessage `json:"data"`
			Errors []GQLError                 `json:"errors"`
		}
		if err := json.Unmarshal(b, &decoded); err != nil {
			tb.Fatalf("response is not JSON: %v: %s", err, b)
		}
		r.Data, r.Errors = decoded.Data, decoded.Errors
	}
	return r
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
