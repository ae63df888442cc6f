package contract_test

import (
	"slices"
	"strings"
	"testing"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

// TestMailStartTLS: with MAIL_USE_TLS=true the mail goes over STARTTLS, and a server that does
// not offer it gets nothing, not the mail in plain text.
func TestMailStartTLS(t *testing.T) {
	t.Run("Offered", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{
			Env:  map[string]string{"MAIL_USE_TLS": "true"},
			SMTP: emailtest.Options{StartTLS: true},
		})
		env.Register(t, "alice", "alice@example.com", "first-password-1")
		wantOK(t, forgot(t, env, "alice@example.com"))
		if m := mail(t, env, 1); !m.TLS {
			t.Error("mail came over plain text")
		}
	})

	t.Run("NotOfferedSendFails", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{
			NoWorker: true,
			Env:      map[string]string{"MAIL_USE_TLS": "true"},
			SMTP:     emailtest.Options{StartTLS: false},
		})
		env.Register(t, "alice", "alice@example.com", "first-password-1")
		if got := message(t, forgot(t, env, "alice@example.com"), "forgotPassword"); got != forgotMessage {
			t.Errorf("message = %q", got)
		}
		env.Flush(t)
		if n := env.SMTP.Count(); n != 0 {
			t.Fatalf("%d mails reached a server without STARTTLS", n)
		}
		var attempts int
		var lastError string
		if err := env.OpenDB(t).QueryRow(`SELECT attempts, last_error FROM mail_outbox`).Scan(&attempts, &lastError); err != nil {
			t.Fatalf("the failed mail is not kept for a retry: %v", err)
		}
		if attempts != 1 || !strings.Contains(strings.ToLower(lastError), "starttls") {
			t.Errorf("attempts = %d, last_error = %q, want one failure about STARTTLS", attempts, lastError)
		}
		if !strings.Contains(env.Logs(), "send failed") {
			t.Errorf("the failure is not logged:\n%s", env.Logs())
		}
	})
}

// TestMailAuth: MAIL_USERNAME and MAIL_PASSWORD log in to the mail server.
func TestMailAuth(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{
		Env: map[string]string{
			"MAIL_USE_TLS":  "true",
			"MAIL_USERNAME": "latchkey",
			"MAIL_PASSWORD": "smtp-secret-pw",
		},
		SMTP: emailtest.Options{StartTLS: true, Auth: &emailtest.Credentials{Username: "latchkey", Password: "smtp-secret-pw"}},
	})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	m := mail(t, env, 1)
	if m.AuthUser != "latchkey" || !m.TLS || !slices.Equal(m.To, []string{"alice@example.com"}) {
		t.Errorf("mail: auth %q, TLS %v, to %v", m.AuthUser, m.TLS, m.To)
	}
}
