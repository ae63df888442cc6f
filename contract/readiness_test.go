package contract_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
	"latchkey/outbox"
)

// readyWithin is how soon /readyz must follow what it reports on, either way.
const readyWithin = 5 * time.Second

// TestReadinessFollowsTheMailWorker: a worker that makes no progress for longer than the lease
// (here its only sender held by a slow mail server) turns /readyz 503, logged once at WARN;
// once it moves again, /readyz is 200, logged once at INFO.
func TestReadinessFollowsTheMailWorker(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{
		SMTP:   emailtest.Options{Delay: 4 * time.Second},
		Outbox: outbox.Options{Senders: 1, Lease: time.Second},
	})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	waitReadyz(t, env, http.StatusServiceUnavailable)
	env.SMTP.Wait(t, 1, mailWait)
	waitReadyz(t, env, http.StatusOK)
	logs := env.Logs()
	if n := strings.Count(logs, `level=WARN msg="readiness: not ready" reason="outbox: `); n != 1 {
		t.Errorf("%d WARN lines for turning unready, want 1:\n%s", n, logs)
	}
	if n := strings.Count(logs, `level=INFO msg="readiness: ready again"`); n != 1 {
		t.Errorf("%d INFO lines for turning ready, want 1:\n%s", n, logs)
	}
}

// waitReadyz polls /readyz until it answers status, failing the test after readyWithin.
func waitReadyz(tb testing.TB, env *apptest.Env, status int) *apptest.Response {
	tb.Helper()
	deadline := time.Now().Add(readyWithin)
	for {
		r := sendRaw(tb, env, http.MethodGet, "/readyz", nil, nil)
		if r.Status == status {
			return r
		}
		if time.Now().After(deadline) {
			tb.Fatalf("/readyz still %d after %s, want %d", r.Status, readyWithin, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
