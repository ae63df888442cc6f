package server

import (
	"net/http"
	"strconv"
	"time"
)

// jwksMaxAge is how long verifiers may cache the key set. A new key is published this long
// before it signs when an operator rotates in two steps (README, "Rotating the signing keys").
const jwksMaxAge = 5 * time.Minute

// jwksHandler serves the public signing keys, a JWK Set (RFC 7517 §5). They are public by
// nature, so any origin may read them.
func jwksHandler(body []byte) http.Handler {
	cacheControl := "public, max-age=" + strconv.Itoa(int(jwksMaxAge.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", cacheControl)
		h.Set("Access-Control-Allow-Origin", "*")
		_, _ = w.Write(body)
	})
}
