// Package server assembles Latchkey's HTTP handler: every route and the middleware around them.
package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"latchkey/account"
	"latchkey/graph"
	"latchkey/metrics"
)

// Pinger is what readiness checks: the database.
type Pinger interface {
	PingContext(ctx context.Context) error
}

// Deps are what the HTTP layer needs.
type Deps struct {
	Accounts       *account.Service
	DB             Pinger
	Pages          http.Handler // the embedded web pages
	Logger         *slog.Logger
	AppName        string
	TrustedProxies []netip.Prefix
	HSTS           bool // FRONTEND_URL is https
	Introspection  bool
	Metrics        *metrics.Metrics // observes operations; served by NewMetrics, never here
	CORSOrigins    []string         // origins whose pages may call /graphql
}

// New returns the public HTTP handler. /metrics and /debug/pprof/ are not in it: like any
// unknown path they fall through to the pages, which answer 404.
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	gqlOpts := graph.Options{Introspection: d.Introspection, Logger: d.Logger}
	if d.Metrics != nil {
		gqlOpts.Observe = d.Metrics.ObserveOperation
	}
	mux.Handle("/graphql", withCORS(d.CORSOrigins, graph.NewHandler(d.Accounts, gqlOpts)))
	mux.Handle("GET /playground", withPlaygroundCSP(playgroundHandler(d.AppName+" GraphQL playground")))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := d.DB.PingContext(ctx); err != nil {
			d.Logger.WarnContext(ctx, "readiness: database does not answer", "error", err)
			writeText(w, http.StatusServiceUnavailable, "database unavailable")
			return
		}
		writeText(w, http.StatusOK, "ready")
	})
	mux.Handle("/", d.Pages)

	var h http.Handler = mux
	h = clientIP(d.TrustedProxies)(h)
	h = securityHeaders(d.HSTS)(h)
	h = recoverPanics(d.Logger)(h)
	h = requestID(h)
	return h
}

// withPlaygroundCSP serves GraphiQL under a policy that allows what it needs and nothing more:
// the pinned scripts and styles the page loads (from whatever origins it names), its inline
// script by hash, requests to this origin, and no framing. The page never changes while the
// process runs, so it is read once.
func withPlaygroundCSP(h http.Handler) http.Handler {
	rec := &pageRecorder{header: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "/playground?query=%7B__typename%7D", nil)
	h.ServeHTTP(rec, req)
	var origins []string
	for _, m := range assetOrigin.FindAllSubmatch(rec.body.Bytes(), -1) {
		if o := string(m[1]); !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	assets := strings.Join(origins, " ")
	scriptSrc := []string{assets}
	for _, m := range inlineScript.FindAllSubmatch(rec.body.Bytes(), -1) {
		sum := sha256.Sum256(m[1])
		scriptSrc = append(scriptSrc, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	csp := "default-src 'none'; script-src " + strings.Join(scriptSrc, " ") +
		"; style-src " + assets + " 'unsafe-inline'; font-src " + assets + " data:" +
		"; img-src 'self' data: " + assets + "; connect-src 'self'" +
		"; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		h.ServeHTTP(w, r)
	})
}

var assetOrigin = regexp.MustCompile(`(?:src|href)="(https://[^/"]+)/`)

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// pageRecorder keeps what a handler writes.
type pageRecorder struct {
	header http.Header
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header         { return p.header }
func (p *pageRecorder) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *pageRecorder) WriteHeader(int)             {}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}
