package contract_test

import (
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
	"latchkey/outbox"
)

// queuedMail is one row of mail_outbox, as an operator would see it.
type queuedMail struct {
	Attempts    int
	LastError   string
	RequestedAt time.Time
	NextAttempt time.Time
}

// queued returns the only queued mail, or ok=false when the outbox is empty.
func queued(tb testing.TB, db *sql.DB) (m queuedMail, ok bool) {
	tb.Helper()
	var lastError sql.NullString
	err := db.QueryRow(`SELECT attempts, last_error, requested_at, next_attempt_at FROM mail_outbox`).
		Scan(&m.Attempts, &lastError, &m.RequestedAt, &m.NextAttempt)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false
	}
	if err != nil {
		tb.Fatalf("read mail_outbox: %v", err)
	}
	m.LastError = lastError.String
	return m, true
}

// eventually polls cond until it holds, failing the test after mailWait.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(mailWait)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("waited %v for %s", mailWait, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitForAttempts waits until the queued mail has failed at least n times and returns it.
func waitForAttempts(tb testing.TB, db *sql.DB, n int) queuedMail {
	tb.Helper()
	var m queuedMail
	eventually(tb, "a failed send to be recorded", func() bool {
		var ok bool
		m, ok = queued(tb, db)
		return ok && m.Attempts >= n
	})
	return m
}

// TestOutboxRetriesWithBackoff: a mail server that refuses twice still gets the mail, after
// waits of about one and then two seconds, each failure recorded on the queued mail.
func TestOutboxRetriesWithBackoff(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{SMTP: emailtest.Options{FailFirst: 2}})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))

	first := waitForAttempts(t, db, 1)
	t.Run("FirstFailureRecorded", func(t *testing.T) {
		if !strings.Contains(first.LastError, "451") {
			t.Errorf("last_error = %q, want the server's 451", first.LastError)
		}
		if wait := first.NextAttempt.Sub(first.RequestedAt); wait < 500*time.Millisecond || wait > 2*time.Second {
			t.Errorf("next try %v after the request, want 0.5 to 1 s (plus the send)", wait)
		}
	})
	env.Clock.Advance(time.Second) // rather than wait for the backoff

	second := waitForAttempts(t, db, 2)
	t.Run("WaitDoubles", func(t *testing.T) {
		failedAt := env.Clock.Now()
		if wait := second.NextAttempt.Sub(failedAt); wait < 500*time.Millisecond || wait > 2*time.Second {
			t.Errorf("second wait about %v, want 1 to 2 s", wait)
		}
		if second.NextAttempt.Sub(first.NextAttempt) < time.Second {
			t.Errorf("second try not later than the first: %v, %v", first.NextAttempt, second.NextAttempt)
		}
	})
	env.Clock.Advance(2 * time.Second)

	t.Run("ThirdTryDelivers", func(t *testing.T) {
		token := env.ResetTokenFromMail(t, 1)
		if n := env.SMTP.Started(); n != 3 {
			t.Errorf("%d sends reached the mail server, want 2 refused and 1 accepted", n)
		}
		wantOK(t, reset(t, env, token, "second-password-2"))
	})
	t.Run("SentMailLeavesQueue", func(t *testing.T) {
		eventually(t, "the outbox to empty", func() bool {
			return count(t, db, `SELECT COUNT(*) FROM mail_outbox WHERE kind = 'password_reset'`) == 0
		})
	})
}

// TestOutboxGivesUpAfterAnHour: a mail that cannot be sent is tried again for an hour after the
// request, then dropped with an error in the log.
func TestOutboxGivesUpAfterAnHour(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{SMTP: emailtest.Options{FailFirst: 1 << 30}})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	waitForAttempts(t, db, 1)

	env.Clock.Advance(59 * time.Minute)
	t.Run("RetriedWithinTheHour", func(t *testing.T) {
		waitForAttempts(t, db, 2)
		if logLine(env.Logs(), "level=ERROR", "giving up") {
			t.Errorf("gave up before the hour was over:\n%s", env.Logs())
		}
	})

	env.Clock.Advance(time.Minute)
	t.Run("DroppedAfterTheHour", func(t *testing.T) {
		eventually(t, "the mail to be given up", func() bool {
			_, ok := queued(t, db)
			return !ok
		})
		if n := env.SMTP.Count(); n != 0 {
			t.Errorf("%d mails accepted by a server that refuses everything", n)
		}
	})
	t.Run("ErrorLogged", func(t *testing.T) {
		if !logLine(env.Logs(), "level=ERROR", "outbox: giving up on mail", "kind=password_reset", "451") {
			t.Errorf("no error log line about the dropped mail:\n%s", env.Logs())
		}
	})
}

// TestOutboxDropsRefusedRecipient: a mail server that refuses the address for good (550 to
// RCPT TO) is not asked again for an hour; the mail is dropped at once with an error log, and
// mail to other addresses goes on.
func TestOutboxDropsRefusedRecipient(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{SMTP: emailtest.Options{RejectRecipients: []string{"gone@example.com"}}})
	db := env.OpenDB(t)
	env.Register(t, "gone", "gone@example.com", "first-password-1")
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "gone@example.com"))

	eventually(t, "the refused mail to leave the outbox", func() bool {
		_, ok := queued(t, db)
		return !ok
	})
	t.Run("NotRetried", func(t *testing.T) {
		env.Clock.Advance(10 * time.Minute) // past any backoff
		wantOK(t, forgot(t, env, "alice@example.com"))
		mail(t, env, 1)
		if n := env.SMTP.RefusedRecipients(); n != 1 {
			t.Errorf("the refused address was tried %d times, want once", n)
		}
		if got := env.SMTP.Messages()[0].To; len(got) != 1 || got[0] != "alice@example.com" {
			t.Errorf("delivered to %v, want alice@example.com", got)
		}
	})
	t.Run("ErrorLogged", func(t *testing.T) {
		if !logLine(env.Logs(), "level=ERROR", "outbox: giving up on mail", "kind=password_reset", "attempts=1", "refused for good", "550") {
			t.Errorf("no error log line about the refused mail:\n%s", env.Logs())
		}
	})
}

// TestOutboxSlowSendNotDuplicated: a mail whose send outlasts its lease, by the clock or
// because the clock jumps, is not taken again and sent twice.
func TestOutboxSlowSendNotDuplicated(t *testing.T) {
	tests := []struct {
		name   string
		outbox outbox.Options
		during func(env *apptest.Env)
	}{
		{"LeaseShorterThanSend", outbox.Options{Lease: 50 * time.Millisecond, PollInterval: 10 * time.Millisecond}, func(*apptest.Env) {}},
		{"ClockJumpsPastLease", outbox.Options{PollInterval: 10 * time.Millisecond}, func(env *apptest.Env) {
			env.Clock.Advance(time.Hour)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := apptest.Start(t, apptest.Setup{SMTP: emailtest.Options{Delay: 500 * time.Millisecond}, Outbox: tt.outbox})
			env.Register(t, "alice", "alice@example.com", "first-password-1")
			wantOK(t, forgot(t, env, "alice@example.com"))
			env.SMTP.WaitStarted(t, 1, mailWait)
			tt.during(env)
			mail(t, env, 1)
			eventually(t, "the outbox to empty", func() bool { return count(t, env.OpenDB(t), `SELECT COUNT(*) FROM mail_outbox`) == 0 })
			if n := env.SMTP.Started(); n != 1 {
				t.Errorf("the mail was sent %d times, want once", n)
			}
		})
	}
}
