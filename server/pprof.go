package server

import (
	"net/http"
	"net/http/pprof"

	"latchkey/metrics"
)

// NewMetrics returns the handler of the private listener (METRICS_ADDR): /metrics, and Go's
// profiler at /debug/pprof/ when pprof is set (DEBUG_PPROF). Both reveal internals, so the
// public handler never serves them.
func NewMetrics(m *metrics.Metrics, pprof bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	if pprof {
		mountPprof(mux)
	}
	return securityHeaders(false)(mux)
}

// mountPprof serves Go's profiler, so that a load test can see where the server's time goes.
// It is off by default: profiles cost CPU.
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
