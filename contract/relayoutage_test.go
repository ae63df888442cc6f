package contract_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// TestMailDrainsAtOnceAfterRelayOutage: with the mail server refusing every session (421), 200
// "password changed" notices wait without each backing off on its own; the worker probes the
// server, and once it answers again every notice goes out within a couple of seconds. The log
// tells of the outage once when it begins and once when it ends, and the failure counts are
// those of the few sends tried, not one per notice per retry.
func TestMailDrainsAtOnceAfterRelayOutage(t *testing.T) {
	const users, outage = 200, 6 * time.Second
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	tokens := make([]string, users)
	for i := range tokens {
		tokens[i] = env.Register(t, fmt.Sprintf("user%03d", i), fmt.Sprintf("user%03d@example.com", i), "first-password-1").AccessToken
	}
	env.SMTP.Refuse(true)
	for i, token := range tokens {
		if r := changePassword(t, env, token, "first-password-1", "second-password-2"); r.Code() != "" {
			t.Fatalf("change %d: %s", i, r.Body)
		}
	}
	eventually(t, "the outage to be noticed", func() bool { return logLine(env.Logs(), "level=WARN", "mail server unavailable") })
	time.Sleep(outage) // the outage lasts; per-mail backoffs would have grown to seconds
	env.SMTP.Refuse(false)
	back := time.Now()

	t.Run("OKAllSentAtOnce", func(t *testing.T) {
		env.SMTP.Wait(t, users, 3*time.Second)
		t.Logf("last of %d mails %v after the mail server came back", users, time.Since(back).Round(time.Millisecond))
	})
	t.Run("OKLoggedOnce", func(t *testing.T) {
		logs := env.Logs()
		if n := strings.Count(logs, "mail server unavailable: holding mail"); n != 1 {
			t.Errorf("outage logged %d times at its start, want once", n)
		}
		if !logLine(logs, "level=INFO", "mail server is back", "waiting=") {
			t.Errorf("no INFO line with the mail waiting when the server came back:\n%s", logs)
		}
		if n := strings.Count(logs, "send failed, will retry"); n != 0 {
			t.Errorf("%d warnings of single failed sends, want none during an outage", n)
		}
	})
	t.Run("OKFewTries", func(t *testing.T) {
		failed := metricValue(t, env, `latchkey_mail_total{event="failed",kind="password_changed"}`)
		retried := metricValue(t, env, `latchkey_mail_total{event="retried",kind="password_changed"}`)
		sent := metricValue(t, env, `latchkey_mail_total{event="sent",kind="password_changed"}`)
		// The sends in flight when it went down, then about one probe a second.
		if maxTries := float64(env.App.Config.Outbox.Senders) + outage.Seconds() + 5; failed < 1 || failed > maxTries || retried != failed {
			t.Errorf("failed %v, retried %v; want as many, between 1 and %v", failed, retried, maxTries)
		}
		if sent != users {
			t.Errorf("sent %v, want %d", sent, users)
		}
	})
}
