package contract_test

import (
	"database/sql"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// metricValue reads one sample from the private listener's /metrics; a missing series reads as 0.
func metricValue(tb testing.TB, env *apptest.Env, series string) float64 {
	tb.Helper()
	resp, err := http.Get(env.Metrics.URL + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("/metrics = %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestMetricsMove(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": "1"}})
	alice := env.Register(t, "alice", "alice@example.com", "first-password-1")

	t.Run("RequestsByOperationAndCode", func(t *testing.T) {
		series := `latchkey_graphql_requests_total{code="UNAUTHENTICATED",operation="me"}`
		before := metricValue(t, env, series)
		env.Query(t, "", apptest.MeQuery, nil)
		if got := metricValue(t, env, series); got != before+1 {
			t.Errorf("%s = %v after one more, want %v", series, got, before+1)
		}
		if metricValue(t, env, `latchkey_graphql_request_duration_seconds_count{operation="me"}`) < 1 {
			t.Error("no latency observed for me")
		}
	})
	t.Run("ResetQueuedAndProcessed", func(t *testing.T) {
		wantOK(t, forgot(t, env, "alice@example.com"))
		env.SMTP.Wait(t, 1, 10*time.Second)
		if v := metricValue(t, env, `latchkey_mail_total{event="queued",kind="password_reset"}`); v != 1 {
			t.Errorf("queued = %v, want 1", v)
		}
		eventually(t, "the processed counter to move", func() bool {
			return metricValue(t, env, `latchkey_mail_total{event="processed",kind="password_reset"}`) == 1
		})
		if v := metricValue(t, env, `latchkey_mail_total{event="sent",kind="password_reset"}`); v != 0 {
			t.Errorf("sent = %v for a reset mail, want no such series", v)
		}
	})
	t.Run("RateLimitHits", func(t *testing.T) {
		wantRateLimited(t, forgot(t, env, "alice@example.com"))
		if v := metricValue(t, env, `latchkey_rate_limited_total{limit="forgotPassword"}`); v != 1 {
			t.Errorf("rate-limit hits = %v, want 1", v)
		}
	})
	t.Run("PasswordChangedQueuedAndSent", func(t *testing.T) {
		wantOK(t, changePassword(t, env, alice.AccessToken, "first-password-1", "second-password-2"))
		env.SMTP.Wait(t, 2, 10*time.Second)
		if v := metricValue(t, env, `latchkey_mail_total{event="queued",kind="password_changed"}`); v != 1 {
			t.Errorf("queued = %v, want 1", v)
		}
		eventually(t, "the sent counter to move", func() bool {
			return metricValue(t, env, `latchkey_mail_total{event="sent",kind="password_changed"}`) == 1
		})
	})
	t.Run("HashQueueDepth", func(t *testing.T) {
		if v := metricValue(t, env, `latchkey_password_hash_queue_depth`); v != 0 {
			t.Errorf("queue depth at rest = %v, want 0", v)
		}
	})
}

// mailMetrics reads every latchkey_mail_total series a mail could move, the events of today and
// of before (a missing one reads as 0).
func mailMetrics(tb testing.TB, env *apptest.Env) map[string]float64 {
	tb.Helper()
	got := map[string]float64{}
	for _, kind := range []string{"password_reset", "password_changed"} {
		for _, event := range []string{"queued", "processed", "sent", "skipped", "failed", "retried", "given_up", "refused"} {
			series := `latchkey_mail_total{event="` + event + `",kind="` + kind + `"}`
			got[series] = metricValue(tb, env, series)
		}
	}
	return got
}

// settleReset asks for a reset mail to email and waits until the worker is done with it,
// returning the mail series that moved and by how much.
func settleReset(tb testing.TB, env *apptest.Env, db *sql.DB, email string) map[string]float64 {
	tb.Helper()
	before := mailMetrics(tb, env)
	wantOK(tb, forgot(tb, env, email))
	moved := map[string]float64{}
	eventually(tb, "the request to be settled", func() bool {
		if count(tb, db, `SELECT COUNT(*) FROM mail_outbox`) != 0 {
			return false
		}
		clear(moved)
		total := 0.0
		for series, v := range mailMetrics(tb, env) {
			if d := v - before[series]; d != 0 {
				moved[series] = d
				total += d
			}
		}
		return total >= 2 // the request and how it ended
	})
	return moved
}

// TestMailMetricsSameForUnknownEmail: the mail metrics move alike for a reset request to an
// account and to an address without one, so reading them does not tell who has an account.
func TestMailMetricsSameForUnknownEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")

	known := settleReset(t, env, db, "alice@example.com")
	if n := env.SMTP.Count(); n != 1 {
		t.Fatalf("%d mails for the known address, want 1", n)
	}
	unknown := settleReset(t, env, db, "nobody@example.com")
	if !reflect.DeepEqual(known, unknown) {
		t.Errorf("mail metrics moved differently:\nknown   %v\nunknown %v", known, unknown)
	}
	if known[`latchkey_mail_total{event="processed",kind="password_reset"}`] != 1 {
		t.Errorf("processed did not move by 1: %v", known)
	}
}

func TestMetricsArePrivate(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"DEBUG_PPROF": "true"}})
	unknown := sendRaw(t, env, http.MethodGet, "/no/such/page", nil, nil)
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/profile?seconds=1", "/debug/pprof/cmdline"} {
		t.Run("Public404"+path, func(t *testing.T) {
			r := sendRaw(t, env, http.MethodGet, path, nil, nil)
			if r.Status != http.StatusNotFound || string(r.Body) != string(unknown.Body) {
				t.Errorf("public %s = %d %q, want the 404 of any unknown path", path, r.Status, r.Body)
			}
		})
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		t.Run("Private"+path, func(t *testing.T) {
			resp, err := http.Get(env.Metrics.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("METRICS_ADDR %s = %d, want 200", path, resp.StatusCode)
			}
		})
	}
	t.Run("NoPprofWithoutDebugPprof", func(t *testing.T) {
		plain := apptest.Start(t, apptest.Setup{})
		resp, err := http.Get(plain.Metrics.URL + "/debug/pprof/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("METRICS_ADDR /debug/pprof/ = %d without DEBUG_PPROF, want 404", resp.StatusCode)
		}
	})
	t.Run("Off", func(t *testing.T) {
		if off := apptest.Start(t, apptest.Setup{Env: map[string]string{"METRICS_ADDR": "off"}}); off.Metrics != nil {
			t.Error("METRICS_ADDR=off still builds a metrics handler")
		}
	})
}
