package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"latchkey/account"
)

func TestClassify(t *testing.T) {
	coded := func(code string) *gqlerror.Error {
		e := gqlerror.Errorf("about the document")
		errcode.Set(e, code)
		return e
	}
	bad := map[string]any{"code": "BAD_USER_INPUT"}
	internal := map[string]any{"code": "INTERNAL_SERVER_ERROR"}
	unavailable := map[string]any{"code": "UNAVAILABLE", "retryAfter": account.UnavailableRetryAfter}
	const tryAgain = "Temporarily unavailable, try again in a few seconds"
	for name, tc := range map[string]struct {
		err     error
		message string
		ext     map[string]any
	}{
		"BadUserInput": {&account.Error{Code: account.CodeBadUserInput, Field: "email", Message: "Enter a valid email address"},
			"Enter a valid email address", map[string]any{"code": "BAD_USER_INPUT", "field": "email"}},
		"RateLimited": {&account.Error{Code: account.CodeRateLimited, Message: "Too many requests, try again later", RetryAfter: 3},
			"Too many requests, try again later", map[string]any{"code": "RATE_LIMITED", "retryAfter": 3}},
		"WrappedContractCase": {gqlerror.Wrap(fmt.Errorf("login: %w", &account.Error{Code: account.CodeUnauthenticated, Message: "Not authenticated"})),
			"Not authenticated", map[string]any{"code": "UNAUTHENTICATED"}},
		"Limit":            {refusal(reasonDepthLimitExceeded, "too deep"), "too deep", map[string]any{"code": "BAD_USER_INPUT", "reason": "DEPTH_LIMIT_EXCEEDED"}},
		"TransportRefusal": {&badRequest{message: "A query is required"}, "A query is required", bad},
		"ParseFailed":      {coded(errcode.ParseFailed), "about the document", map[string]any{"code": "BAD_USER_INPUT", "reason": "GRAPHQL_PARSE_FAILED"}},
		"ComplexityLimit":  {coded(codeComplexityExceeded), "about the document", map[string]any{"code": "BAD_USER_INPUT", "reason": "COMPLEXITY_LIMIT_EXCEEDED"}},
		"ValidationRule": {&gqlerror.Error{Message: "about the document", Rule: "FieldsOnCorrectType"},
			"about the document", map[string]any{"code": "BAD_USER_INPUT", "reason": "GRAPHQL_VALIDATION_FAILED"}},
		"ErrInternal":            {fmt.Errorf("find user: %w", errors.New("no such table: users")), "Internal server error", internal},
		"ErrUncodedGQLError":     {gqlerror.Errorf("no such table: users"), "Internal server error", internal},
		"ErrUnknownCode":         {coded("SOMETHING_ELSE"), "Internal server error", internal},
		"ErrDatabaseUnavailable": {gqlerror.Wrap(fmt.Errorf("find user: %w", notAnswered{})), tryAgain, unavailable},
		"ErrDeadlineExceeded":    {fmt.Errorf("queue reset mail: %w", context.DeadlineExceeded), tryAgain, unavailable},
		"ErrCanceled":            {fmt.Errorf("find user: %w", context.Canceled), "Internal server error", internal},
	} {
		t.Run(name, func(t *testing.T) {
			code, message, ext := classify(tc.err)
			if code != tc.ext["code"] || message != tc.message || !maps.Equal(ext, tc.ext) {
				t.Errorf("classify = %q, %q, %v; want %q, %v", code, message, ext, tc.message, tc.ext)
			}
		})
	}
}

// notAnswered is marked the way the database marks a call it did not answer in time.
type notAnswered struct{}

func (notAnswered) Error() string     { return "database unavailable: i/o timeout" }
func (notAnswered) Unavailable() bool { return true }

// TestEncodeFailureIsInternal: a response that cannot be encoded is answered with the
// contract's internal error, and the cause is logged with the request id.
func TestEncodeFailureIsInternal(t *testing.T) {
	var logs bytes.Buffer
	tr := httpTransport{log: slog.New(slog.NewTextHandler(&logs, nil))}
	var body bytes.Buffer
	tr.write(WithRequestID(context.Background(), "req-1"), &body, &graphql.Response{Data: json.RawMessage(`{"me":`)})
	want := `{"errors":[{"message":"Internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`
	if body.String() != want {
		t.Errorf("body = %s, want %s", body.String(), want)
	}
	if line := logs.String(); !strings.Contains(line, "request_id=req-1") || !strings.Contains(line, "encode response") {
		t.Errorf("log = %q, want the request id and the cause", line)
	}
}

// TestRefusalsCarryOnlyTheCode: requests the transport refuses before any GraphQL runs are
// BAD_USER_INPUT with a message about the request, and nothing else.
func TestRefusalsCarryOnlyTheCode(t *testing.T) {
	var logs bytes.Buffer
	h := NewHandler(nil, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for name, tc := range map[string]struct {
		method, contentType, body string
		status                    int
		message                   string
	}{
		"ErrMethod":      {http.MethodPut, "application/json", `{"query":"{__typename}"}`, http.StatusMethodNotAllowed, "Use GET for queries or POST"},
		"ErrMediaType":   {http.MethodPost, "text/plain", `{"query":"{__typename}"}`, http.StatusUnsupportedMediaType, "Content-Type must be application/json"},
		"ErrBatch":       {http.MethodPost, "application/json", `[{"query":"{__typename}"}]`, http.StatusBadRequest, "Batched requests are not supported; send one operation per request"},
		"ErrNoQueryText": {http.MethodPost, "application/json", `{"query":" "}`, http.StatusBadRequest, "A query is required"},
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/graphql", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			want := `{"errors":[{"message":"` + tc.message + `","extensions":{"code":"BAD_USER_INPUT"}}]}`
			if rec.Code != tc.status || rec.Body.String() != want {
				t.Errorf("HTTP %d %s, want %d %s", rec.Code, rec.Body, tc.status, want)
			}
			if allow := rec.Header().Get("Allow"); tc.status == http.StatusMethodNotAllowed && allow != "GET, POST" {
				t.Errorf("Allow = %q, want GET, POST", allow)
			}
		})
	}
	if logs.Len() > 0 {
		t.Errorf("a refusal was logged as an internal error:\n%s", logs.String())
	}
}
