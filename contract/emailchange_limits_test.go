package contract_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// TestChangeEmailSameStatements: before it answers, changeEmail sends the database the same
// statements, in the same order, whether or not the new address has an account; only argument
// values differ. Looking the address up is the worker's job, after the answer.
func TestChangeEmailSameStatements(t *testing.T) {
	rec := &statementRecorder{}
	env := apptest.Start(t, apptest.Setup{NoWorker: true, WrapDriver: rec.wrap})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	env.Register(t, "bob", "bob@example.com", "bob-password-1")

	statements := func(newEmail string) []string {
		t.Helper()
		rec.reset()
		if got := message(t, env.ChangeEmail(t, s.AccessToken, newEmail, "first-password-1"), "changeEmail"); got != changeEmailMessage {
			t.Fatalf("message = %q", got)
		}
		return withoutProbes(rec.reset())
	}
	statements("first@example.com") // a process's first password check also sizes up the failure table
	free := statements("carol@example.com")
	taken := statements("bob@example.com")
	takenOtherCase := statements("BOB@Example.com")
	freeAgain := statements("carol@example.com") // with a pending change to it already

	t.Run("SameSequence", func(t *testing.T) {
		if len(free) == 0 {
			t.Fatal("no statements recorded")
		}
		for name, got := range map[string][]string{"taken": taken, "taken, other case": takenOtherCase, "free again": freeAgain} {
			if !slices.Equal(free, got) {
				t.Errorf("statements differ:\nfree %q\n%s %q", free, name, got)
			}
		}
	})
	t.Run("NewAddressNotLookedUp", func(t *testing.T) {
		rec.reset()
		meEmail(t, env, s.AccessToken)
		// The session's own account, if it is not cached: none with a warm cache.
		usersOnly := func(stmts []string) []string {
			return slices.DeleteFunc(slices.Clone(stmts), func(q string) bool { return !strings.Contains(q, "users") })
		}
		own := usersOnly(withoutProbes(rec.reset()))
		reads := usersOnly(free)
		if !slices.Equal(reads, own) {
			t.Errorf("the request reads users other than as me does before answering:\n%q\nme: %q", reads, own)
		}
	})
}

// withoutProbes drops the readiness prober's writes, which go through the same driver every
// second whatever the requests do.
func withoutProbes(stmts []string) []string {
	return slices.DeleteFunc(stmts, func(q string) bool { return strings.Contains(q, "readiness_probes") })
}

// TestEmailChangeMailLimits: the links and notices of address changes come under the per-address
// limits, counted by address whichever account asks: a mailbox, with an account or without, gets
// at most RESET_MAILS_PER_HOUR of them an hour, RESET_MAIL_MIN_INTERVAL_SECONDS apart. The
// answer never changes, and the notices never hold back the reset they advise.
func TestEmailChangeMailLimits(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"RESET_MAILS_PER_HOUR": "2"}})
	alice := env.Register(t, "alice", "alice@example.com", "first-password-1")
	bob := env.Register(t, "bob", "bob@example.com", "bob-password-1")
	env.Register(t, "carol", "carol@example.com", "carol-password-1")
	ask := func(s apptest.Session, password, newEmail string) {
		t.Helper()
		if got := message(t, env.ChangeEmail(t, s.AccessToken, newEmail, password), "changeEmail"); got != changeEmailMessage {
			t.Errorf("message = %q", got)
		}
		env.Flush(t)
	}
	mailsTo := func(to string) int {
		t.Helper()
		return len(env.MailTo(t, env.SMTP.Count(), to))
	}

	ask(alice, "first-password-1", "victim@example.com")
	ask(bob, "bob-password-1", "victim@example.com") // another account, too soon for the address
	t.Run("IntervalPerAddress", func(t *testing.T) {
		if n := mailsTo("victim@example.com"); n != 1 {
			t.Errorf("%d mails to the free address, want 1", n)
		}
		if n := mailsTo("bob@example.com"); n != 1 {
			t.Errorf("%d notices to bob's own address, want 1: its limits are its own", n)
		}
	})
	for range 3 {
		env.Clock.Advance(61 * time.Second)
		ask(alice, "first-password-1", "victim@example.com")
		ask(bob, "bob-password-1", "carol@example.com")
	}
	t.Run("HourlyPerAddress", func(t *testing.T) {
		for _, to := range []string{"victim@example.com", "carol@example.com", "alice@example.com"} {
			if n := mailsTo(to); n != 2 {
				t.Errorf("%d mails to %s in the hour, want 2", n, to)
			}
		}
	})
	t.Run("ResetNotHeldBack", func(t *testing.T) {
		before := env.SMTP.Count()
		wantOK(t, forgot(t, env, "alice@example.com"))
		env.Flush(t)
		env.ResetTokenFromMail(t, before+1)
	})
	t.Run("NextHourAgain", func(t *testing.T) {
		env.Clock.Advance(time.Hour)
		ask(env.Login(t, "bob@example.com", "bob-password-1"), "bob-password-1", "victim@example.com")
		if n := mailsTo("victim@example.com"); n != 3 {
			t.Errorf("%d mails to the free address, want a third in the next hour", n)
		}
	})
}
