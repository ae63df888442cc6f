// Package server assembles Latchkey's HTTP handler: every route and the middleware around them.
package server

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"latchkey/account"
	"latchkey/graph"
	"latchkey/metrics"
)

// Deps are what the HTTP layer needs.
type Deps struct {
	Accounts       *account.Service
	Readiness      *Readiness   // what /readyz answers
	Pages          http.Handler // the embedded web pages
	Logger         *slog.Logger
	AppName        string
	TrustedProxies []netip.Prefix
	HSTS           bool // FRONTEND_URL is https
	Introspection  bool
	Playground     bool             // serve GraphiQL at /playground; false: it is 404 like any unknown path
	Metrics        *metrics.Metrics // observes operations; served by NewMetrics, never here
	CORSOrigins    []string         // origins whose pages may call /graphql
	RequestTimeout time.Duration    // the deadline of every request; zero means none
	JWKS           []byte           // the public signing keys as a JWK Set; nil (HS*): none, 404
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
	mux.HandleFunc("/graphql/", graphqlNotFound)
	if d.Playground {
		addPlayground(mux, d.AppName+" GraphQL playground")
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if ok, _ := d.Readiness.Ready(); !ok {
			writeText(w, http.StatusServiceUnavailable, "not ready")
			return
		}
		writeText(w, http.StatusOK, "ready")
	})
	if d.JWKS != nil {
		mux.Handle("GET /.well-known/jwks.json", jwksHandler(d.JWKS))
	}
	mux.Handle("/", d.Pages)

	var h http.Handler = mux
	h = withDeadline(d.RequestTimeout)(h)
	h = clientIP(d.TrustedProxies)(h)
	h = requestLocale(h)
	h = securityHeaders(d.HSTS)(h)
	h = recoverPanics(d.Logger)(h)
	h = requestID(h)
	return h
}

// graphqlNotFound answers below /graphql: a GraphQL client given a wrong endpoint reads an error
// in GraphQL's shape rather than the 404 page meant for people.
func graphqlNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"errors":[{"message":"Not found: the GraphQL endpoint is /graphql",` +
		`"extensions":{"code":"BAD_USER_INPUT"}}]}` + "\n"))
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}
