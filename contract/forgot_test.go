package contract_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// TestForgotPasswordReplacesOlderToken: a new request after RESET_MAIL_MIN_INTERVAL_SECONDS
// sends a new link, and the older one stops working.
func TestForgotPasswordReplacesOlderToken(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	older := env.ResetTokenFromMail(t, 1)

	env.Clock.Advance(61 * time.Second)
	wantOK(t, forgot(t, env, "alice@example.com"))
	newer := env.ResetTokenFromMail(t, 2)
	if newer == older {
		t.Fatal("the second mail carries the same token")
	}

	t.Run("OlderInvalid", func(t *testing.T) {
		if checkToken(t, env, older).Valid {
			t.Error("older token still valid")
		}
		wantError(t, reset(t, env, older, "second-password-2"), "INVALID_RESET_TOKEN", "", "Invalid or expired reset token")
	})
	t.Run("OneTokenStored", func(t *testing.T) {
		if n := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM password_reset_tokens`); n != 1 {
			t.Errorf("%d reset tokens stored, want 1", n)
		}
	})
	t.Run("NewerWorks", func(t *testing.T) {
		wantOK(t, reset(t, env, newer, "second-password-2"))
		env.Login(t, "alice@example.com", "second-password-2")
	})
}

// TestForgotPasswordTooSoon: a request sooner than RESET_MAIL_MIN_INTERVAL_SECONDS after the
// last mail answers the same, sends nothing and leaves the older link working.
func TestForgotPasswordTooSoon(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	first := forgot(t, env, "alice@example.com")
	env.Flush(t)
	older := env.ResetTokenFromMail(t, 1)

	env.Clock.Advance(59 * time.Second)
	again := forgot(t, env, "alice@example.com")
	env.Flush(t)

	t.Run("SameAnswer", func(t *testing.T) {
		if got := message(t, again, "forgotPassword"); got != forgotMessage || !bytes.Equal(again.Body, first.Body) {
			t.Errorf("answers differ:\n%s\n%s", first.Body, again.Body)
		}
	})
	t.Run("NothingSent", func(t *testing.T) {
		if n := env.SMTP.Count(); n != 1 {
			t.Errorf("%d mails, want only the first", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM mail_outbox`); n != 0 {
			t.Errorf("%d requests still queued", n)
		}
	})
	t.Run("OlderStillValid", func(t *testing.T) {
		if !checkToken(t, env, older).Valid {
			t.Error("older token no longer valid")
		}
	})
	t.Run("SentOnceIntervalPassed", func(t *testing.T) {
		env.Clock.Advance(2 * time.Second)
		wantOK(t, forgot(t, env, "alice@example.com"))
		env.Flush(t)
		if n := env.SMTP.Count(); n != 2 {
			t.Fatalf("%d mails, want 2", n)
		}
		newer := env.ResetTokenFromMail(t, 2)
		if newer == older || checkToken(t, env, older).Valid || !checkToken(t, env, newer).Valid {
			t.Error("the mail after the interval did not replace the older token")
		}
	})
}

// TestForgotPasswordHourlyLimit: at most RESET_MAILS_PER_HOUR mails an hour to one account.
func TestForgotPasswordHourlyLimit(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"RESET_MAILS_PER_HOUR": "2"}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	request := func() {
		t.Helper()
		env.Clock.Advance(61 * time.Second) // past RESET_MAIL_MIN_INTERVAL_SECONDS each time
		if got := message(t, forgot(t, env, "alice@example.com"), "forgotPassword"); got != forgotMessage {
			t.Errorf("message = %q", got)
		}
		env.Flush(t)
	}

	request()
	request()
	t.Run("WithinLimitSent", func(t *testing.T) {
		if n := env.SMTP.Count(); n != 2 {
			t.Errorf("%d mails, want 2", n)
		}
	})
	last := env.ResetTokenFromMail(t, 2)

	request()
	t.Run("OverLimitNotSent", func(t *testing.T) {
		if n := env.SMTP.Count(); n != 2 {
			t.Errorf("%d mails, want still 2", n)
		}
		if !checkToken(t, env, last).Valid {
			t.Error("the refused request revoked the last token")
		}
	})

	env.Clock.Advance(time.Hour)
	request()
	t.Run("SentAgainNextHour", func(t *testing.T) {
		if n := env.SMTP.Count(); n != 3 {
			t.Errorf("%d mails, want 3", n)
		}
	})
}

// TestForgotPasswordDoesNotWaitForMail: the answer comes while no mail has been sent at all;
// the request is queued and the worker sends it later.
func TestForgotPasswordDoesNotWaitForMail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")

	r := forgot(t, env, "alice@example.com")
	if got := message(t, r, "forgotPassword"); got != forgotMessage {
		t.Errorf("message = %q", got)
	}
	if n := env.SMTP.Count(); n != 0 {
		t.Fatalf("%d mails sent before the worker ran", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM mail_outbox`); n != 1 {
		t.Fatalf("%d mails queued, want 1", n)
	}
	env.Flush(t)
	if m := mail(t, env, 1); !slices.Equal(m.To, []string{"alice@example.com"}) {
		t.Errorf("mail went to %v", m.To)
	}
}

func TestForgotPasswordMalformedEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	for _, email := range []string{"not-an-email", "", "a@b@c", "Alice <alice@example.com>"} {
		wantError(t, forgot(t, env, email), "BAD_USER_INPUT", "email", "")
	}
}
