package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// Bounds of the fault tests: the database deadline they set, how soon a request must answer
// when the database does not (the deadline and a margin), and how soon the server must work
// again once it does.
const (
	faultDBTimeout = "300"
	faultAnswer    = 3 * time.Second
	faultRecover   = 10 * time.Second
)

// TestPostgresStallResetRecover runs the binary with a proxy between it and PostgreSQL. While
// the proxy is silent, with every connection open, me, login and forgotPassword answer
// UNAVAILABLE within the bound and /readyz turns 503; when it forwards again, or resets every
// connection, the server works again by itself and /readyz is 200; each turn is logged once;
// and a server whose database is silent still stops on SIGTERM within SHUTDOWN_TIMEOUT_SECONDS.
func TestPostgresStallResetRecover(t *testing.T) {
	p, proxy := startBehindProxy(t)
	token := registerOn(t, p.URL, 0)
	calls := map[string]func() (*gqlResponse, error){
		"Me": func() (*gqlResponse, error) { return postWithin(p.URL, token, `{me{id}}`, nil) },
		"Login": func() (*gqlResponse, error) {
			return postWithin(p.URL, "", `mutation($e:String!,$p:String!){login(input:{email:$e,password:$p}){accessToken}}`,
				map[string]any{"e": userEmail(0), "p": "replica-password-0"})
		},
		"ForgotPassword": func() (*gqlResponse, error) {
			return postWithin(p.URL, "", `mutation($e:String!){forgotPassword(input:{email:$e}){message}}`, map[string]any{"e": userEmail(0)})
		},
	}
	wantAll := func(t *testing.T, code string) {
		for name, call := range calls {
			t.Run(name, func(t *testing.T) {
				r, err := call()
				if err != nil {
					t.Fatal(err)
				}
				if got := r.code(); got != code {
					t.Fatalf("code %q, want %q: %s", got, code, r.Errors)
				}
			})
		}
	}
	proxy.Stall()
	t.Run("StalledIsUnavailable", func(t *testing.T) { wantAll(t, "UNAVAILABLE") })
	t.Run("StalledIsNotReady", func(t *testing.T) {
		waitReadyz(t, p.URL, http.StatusServiceUnavailable)
		for range 50 { // answered from the prober's last result, not by asking the database
			if status, err := readyz(p.URL); err != nil || status != http.StatusServiceUnavailable {
				t.Fatalf("/readyz = %d, %v; want 503 at once", status, err)
			}
		}
	})
	proxy.Resume()
	t.Run("ResumedRecovers", func(t *testing.T) { waitWorks(t, calls["Me"]); wantAll(t, "") })
	t.Run("ResumedIsReady", func(t *testing.T) {
		waitReadyz(t, p.URL, http.StatusOK)
		logs := p.Logs()
		if n := strings.Count(logs, `level=WARN msg="readiness: not ready" reason="database: `); n != 1 {
			t.Errorf("%d WARN lines for turning unready, want 1:\n%s", n, logs)
		}
		if n := strings.Count(logs, `level=INFO msg="readiness: ready again"`); n != 1 {
			t.Errorf("%d INFO lines for turning ready, want 1:\n%s", n, logs)
		}
	})
	proxy.Reset()
	t.Run("ResetRecovers", func(t *testing.T) { waitWorks(t, calls["Me"]); wantAll(t, "") })
	proxy.Stall()
	t.Run("StalledStopsOnSIGTERM", func(t *testing.T) {
		if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(t, 3*time.Second+time.Second); err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	})
}

// startBehindProxy starts the binary on a fresh PostgreSQL database reached through a proxy,
// with the fault tests' database deadline and a shutdown timeout of 3 s.
func startBehindProxy(t *testing.T) (*Process, *apptest.Proxy) {
	t.Helper()
	if apptest.PostgresURL() == "" {
		t.Skip("TEST_DATABASE_URL is not set: PostgreSQL is tested in the second run of .ci/run")
	}
	u, err := url.Parse(apptest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := apptest.StartProxy(t, u.Host)
	u.Host = proxy.Addr()
	p := startServer(t, t.TempDir(), map[string]string{
		"SECRET_KEY":               testSecret,
		"DATABASE_URL":             u.String(),
		"AUTO_MIGRATE":             "true",
		"RATE_LIMIT_ENABLED":       "false",
		"DATABASE_TIMEOUT_MS":      faultDBTimeout,
		"SHUTDOWN_TIMEOUT_SECONDS": "3",
	})
	return p, proxy
}

// waitWorks calls until a call succeeds, failing the test after faultRecover.
func waitWorks(tb testing.TB, call func() (*gqlResponse, error)) {
	tb.Helper()
	deadline := time.Now().Add(faultRecover)
	for {
		r, err := call()
		if err == nil && r.code() == "" {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("still failing %s after the fault ended: %v %s", faultRecover, err, r.errorsOrNil())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readyWithin is how soon /readyz must follow the database, either way.
const readyWithin = 5 * time.Second

// readyz is the status of GET /readyz, which must answer within 200 ms.
func readyz(base string) (int, error) {
	resp, err := (&http.Client{Timeout: 200 * time.Millisecond}).Get(base + "/readyz")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// waitReadyz polls /readyz until it answers status, failing the test after readyWithin.
func waitReadyz(tb testing.TB, base string, status int) {
	tb.Helper()
	deadline := time.Now().Add(readyWithin)
	for {
		got, err := readyz(base)
		if err == nil && got == status {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("/readyz still %d (%v) after %s, want %d", got, err, readyWithin, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postWithin is post with a deadline of faultAnswer on the whole request.
func postWithin(base, token, query string, vars map[string]any) (*gqlResponse, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: faultAnswer}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("no answer within %s: %w", faultAnswer, err)
	}
	defer resp.Body.Close()
	var r gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	return &r, nil
}

// code is the first error's extensions.code, "" without errors.
func (r *gqlResponse) code() string {
	var errs []struct {
		Extensions struct{ Code string } `json:"extensions"`
	}
	if len(r.Errors) == 0 || json.Unmarshal(r.Errors, &errs) != nil || len(errs) == 0 {
		return ""
	}
	return errs[0].Extensions.Code
}

func (r *gqlResponse) errorsOrNil() json.RawMessage {
	if r == nil {
		return nil
	}
	return r.Errors
}
