package server

import (
	"net/http"

	"github.com/rs/cors"
)

// withCORS lets pages on the configured origins call h from a browser, preflight included.
// Credentials are allowed for those origins only; with none configured, h is served as is and
// browsers keep other origins out.
func withCORS(origins []string, h http.Handler) http.Handler {
	if len(origins) == 0 {
		return h
	}
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept"},
		ExposedHeaders:   []string{"X-Request-Id"},
		AllowCredentials: true,
		MaxAge:           600,
	}).Handler(h)
}
