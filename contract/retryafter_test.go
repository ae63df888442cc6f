package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// forgotAndReset runs forgotPassword and resetPassword in one request, as a client that
// accepts accept.
func forgotAndReset(tb testing.TB, env *apptest.Env, accept string) *apptest.Response {
	tb.Helper()
	const doc = `mutation($e:String!,$t:String!){f:forgotPassword(input:{email:$e}){message} r:resetPassword(input:{token:$t,newPassword:"a-fine-password-1"}){message}}`
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": map[string]any{"e": "alice@example.com", "t": "no-such-token"}})
	req, _ := http.NewRequest(http.MethodPost, env.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return env.Do(tb, req)
}

// retryAfters returns the retryAfter of each RATE_LIMITED error of r.
func retryAfters(r *apptest.Response) []int {
	var secs []int
	for _, e := range r.Errors {
		if e.Extensions["code"] == "RATE_LIMITED" {
			n, _ := e.Extensions["retryAfter"].(float64)
			secs = append(secs, int(n))
		}
	}
	return secs
}

// TestRetryAfter: a response with RATE_LIMITED errors carries Retry-After, the longest of their
// retryAfter; a client of application/graphql-response+json whose whole request was refused
// by limits gets 429 without data, one of application/json 200 as the contract has it.
func TestRetryAfter(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{
		"RATE_LIMIT_ENABLED":                    "true",
		"RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": "1",
		"RATE_LIMIT_RESET_PASSWORD_PER_MINUTE":  "2",
	}})
	const graphqlResponse = "application/graphql-response+json"
	first := forgotAndReset(t, env, graphqlResponse)
	if first.Status != 200 || first.Header.Get("Retry-After") != "" {
		t.Fatalf("first request: HTTP %d, Retry-After %q: %s", first.Status, first.Header.Get("Retry-After"), first.Body)
	}

	t.Run("PartlyLimited", func(t *testing.T) {
		r := forgotAndReset(t, env, graphqlResponse)
		secs := retryAfters(r)
		if r.Status != 200 || len(secs) != 1 || len(r.Errors) != 2 {
			t.Fatalf("want 200 with a RATE_LIMITED error and another, got HTTP %d: %s", r.Status, r.Body)
		}
		if got := r.Header.Get("Retry-After"); got != strconv.Itoa(secs[0]) {
			t.Errorf("Retry-After = %q, want %d", got, secs[0])
		}
	})
	t.Run("RefusedWhole", func(t *testing.T) {
		r := forgotAndReset(t, env, graphqlResponse)
		secs := retryAfters(r)
		if r.Status != http.StatusTooManyRequests || len(secs) != 2 || len(r.Errors) != 2 {
			t.Fatalf("want 429 with two RATE_LIMITED errors, got HTTP %d: %s", r.Status, r.Body)
		}
		if secs[0] == secs[1] {
			t.Fatalf("the two limits ask the same wait, %d s: the test cannot tell the longest", secs[0])
		}
		if got := r.Header.Get("Retry-After"); got != strconv.Itoa(max(secs[0], secs[1])) {
			t.Errorf("Retry-After = %q, want the longer of %v", got, secs)
		}
		if strings.Contains(string(r.Body), `"data"`) {
			t.Errorf("a request refused before execution has no data entry: %s", r.Body)
		}
	})
	t.Run("RefusedWholeJSON", func(t *testing.T) {
		r := forgotAndReset(t, env, "application/json")
		secs := retryAfters(r)
		if r.Status != 200 || len(secs) != 2 {
			t.Fatalf("want 200 with two RATE_LIMITED errors, got HTTP %d: %s", r.Status, r.Body)
		}
		if got := r.Header.Get("Retry-After"); got != strconv.Itoa(max(secs[0], secs[1])) {
			t.Errorf("Retry-After = %q, want the longer of %v", got, secs)
		}
	})
}

// TestClientGoneBeforeExecution: a client that goes away after sending its request, before the
// operation runs, costs nothing but a debug line: no panic, no internal error.
func TestClientGoneBeforeExecution(t *testing.T) {
	arrived, done := make(chan struct{}), make(chan struct{})
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			body, _ := io.ReadAll(r.Body)
			close(arrived)
			select { // the server notices the closed connection once the body is read
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
				t.Error("the server never saw the client go")
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
		})
	}})
	ctx, cancel := context.WithCancel(context.Background())
	body := `{"query":"{ __typename }"}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.URL()+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	go func() {
		<-arrived
		cancel()
	}()
	if resp, err := env.HTTP.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the request was answered; the client was to be gone")
	}
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the handler never returned")
	}
	logs := env.Logs()
	for _, bad := range []string{"panic", "internal error", "level=ERROR"} {
		if strings.Contains(logs, bad) {
			t.Errorf("the log has %q:\n%s", bad, logs)
		}
	}
	if !strings.Contains(logs, "client went away before the operation ran") {
		t.Errorf("no line about the client going away:\n%s", logs)
	}
}
