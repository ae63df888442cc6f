package server

import (
	"net/http"
	"net/http/pprof"
)

// mountPprof serves Go's profiler (DEBUG_PPROF=true), so that a load test can see where the
// server's time goes. It is off by default: profiles reveal internals and cost CPU.
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
