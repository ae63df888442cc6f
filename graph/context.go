package graph

import (
	"context"
	"net/http"
	"strings"

	"latchkey/account"
)

type ctxKey int

const requestIDKey ctxKey = iota

// WithRequestID records the request's id, which every log line about it carries.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the id recorded by WithRequestID, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// bearerToken hands the account service the request's bearer token; it is only checked when an
// operation needs a signed-in user, so a stale token does not break login or forgotPassword.
func bearerToken(r *http.Request) *http.Request {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return r
	}
	return r.WithContext(account.WithAccessToken(r.Context(), strings.TrimSpace(token)))
}
