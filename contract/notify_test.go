package contract_test

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/account"
	"latchkey/app/apptest"
)

// waitNothingDue waits until the outbox holds no mail due by the server's clock, so that every
// mail the worker was going to send by now has been sent, and returns how many rows wait.
func waitNothingDue(tb testing.TB, env *apptest.Env, db *sql.DB) (waiting int) {
	tb.Helper()
	eventually(tb, "the worker to send every due mail", func() bool {
		rows, err := db.Query(`SELECT next_attempt_at FROM mail_outbox`)
		if err != nil {
			tb.Fatalf("read mail_outbox: %v", err)
		}
		defer rows.Close()
		now, due := env.Clock.Now(), false
		waiting = 0
		for rows.Next() {
			var next time.Time
			if err := rows.Scan(&next); err != nil {
				tb.Fatal(err)
			}
			due = due || !next.After(now)
			waiting++
		}
		return !due && rows.Err() == nil
	})
	return waiting
}

// changeNotice waits for the n-th mail and checks it is the "password changed" notice to
// alice, with a text and an HTML part; it returns the text in one line.
func changeNotice(tb testing.TB, env *apptest.Env, n int) string {
	tb.Helper()
	m := mail(tb, env, n)
	if m.Parsed.Subject != "Your Latchkey password was changed" || !slices.Equal(m.To, []string{"alice@example.com"}) {
		tb.Fatalf("mail %d: %q to %v, want the change notice to alice", n, m.Parsed.Subject, m.To)
	}
	wantAlternative(tb, m)
	return strings.Join(strings.Fields(m.Parsed.Text), " ")
}

// changeInTurn changes the password from the current to the other of two, returning the new
// session and password.
func changeInTurn(tb testing.TB, env *apptest.Env, token, current string) (string, string) {
	tb.Helper()
	next := "first-password-1"
	if current == next {
		next = "second-password-2"
	}
	r := changePassword(tb, env, token, current, next)
	wantOK(tb, r)
	var payload struct{ Session apptest.Session }
	r.Decode(tb, "changePassword", &payload)
	return payload.Session.AccessToken, next
}

// TestPasswordChangedMailCap: 20 password changes in a row mail the owner once at once; the
// other 19 are told in one more mail, when 10 minutes have passed, and every change took effect.
func TestPasswordChangedMailCap(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	db := env.OpenDB(t)
	token, password := env.Register(t, "alice", "alice@example.com", "first-password-1").AccessToken, "first-password-1"

	token, password = changeInTurn(t, env, token, password)
	first := changeNotice(t, env, 1) // sent at once, before the next change
	for range 19 {
		token, password = changeInTurn(t, env, token, password)
	}

	t.Run("OKOneMailAtOnce", func(t *testing.T) {
		if !strings.Contains(first, "was changed on") || strings.Contains(first, "times") {
			t.Errorf("first notice does not read as one change:\n%s", first)
		}
		if waiting := waitNothingDue(t, env, db); waiting != 1 {
			t.Errorf("%d notices wait, want the one the 19 changes folded into", waiting)
		}
		if n := env.SMTP.Count(); n != 1 {
			t.Errorf("%d mails after 20 changes, want 1 within 10 minutes", n)
		}
	})
	t.Run("OKEveryChangeTookEffect", func(t *testing.T) {
		meEmail(t, env, token)
		env.Login(t, "alice@example.com", password)
	})

	env.Clock.Advance(account.PasswordNoticeInterval)
	t.Run("OKOneMoreMailTellsTheRest", func(t *testing.T) {
		second := changeNotice(t, env, 2)
		for _, want := range []string{"was changed 19 times since", "most recently on"} {
			if !strings.Contains(second, want) {
				t.Errorf("second notice lacks %q:\n%s", want, second)
			}
		}
		if waiting := waitNothingDue(t, env, db); waiting != 0 || env.SMTP.Count() != 2 {
			t.Errorf("%d notices wait and %d mails were sent, want 0 and 2", waiting, env.SMTP.Count())
		}
	})
}

// TestPasswordResetNoticeSharesCap: the notice of a reset goes through the same cap as a
// change's: inside 10 minutes of the last notice it waits, and folds in a change after it.
func TestPasswordResetNoticeSharesCap(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	db := env.OpenDB(t)
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	changeInTurn(t, env, s.AccessToken, "first-password-1")
	changeNotice(t, env, 1)

	wantOK(t, forgot(t, env, "alice@example.com"))
	wantOK(t, reset(t, env, env.ResetTokenFromMail(t, 2), "third-password-3"))
	t.Run("OKResetNoticeWaits", func(t *testing.T) {
		if waiting := waitNothingDue(t, env, db); waiting != 1 || env.SMTP.Count() != 2 {
			t.Errorf("%d notices wait and %d mails were sent, want 1 and 2 (the first notice, the link)", waiting, env.SMTP.Count())
		}
	})
	changeInTurn(t, env, env.Login(t, "alice@example.com", "third-password-3").AccessToken, "third-password-3")

	env.Clock.Advance(account.PasswordNoticeInterval)
	t.Run("OKFoldedWithTheNextChange", func(t *testing.T) {
		if text := changeNotice(t, env, 3); !strings.Contains(text, "was changed 2 times since") {
			t.Errorf("third mail does not tell of the reset and the change:\n%s", text)
		}
		if waiting := waitNothingDue(t, env, db); waiting != 0 || env.SMTP.Count() != 3 {
			t.Errorf("%d notices wait and %d mails were sent, want 0 and 3", waiting, env.SMTP.Count())
		}
	})
}
