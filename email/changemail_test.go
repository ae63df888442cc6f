package email_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/email"
)

const (
	confirmLink = "https://keys.example.test/confirm-email#token=q3-Vx_9kLm2Np4Rs6Tu8Wy0Za1Bc3De5Fg7Hi9Jk0L"
	signInLink  = "https://keys.example.test/login"
	forgotLink  = "https://keys.example.test/forgot-password"
	accountLink = "https://keys.example.test/account"
)

// TestEmailChangeMails: each mail of an address change has its subject, a text and an HTML
// part, the app name, its links and, where a link expires, when, in both parts.
func TestEmailChangeMails(t *testing.T) {
	at := time.Date(2026, 3, 3, 14, 5, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name    string
		send    func(*email.Mailer) error
		subject string
		want    []string
	}{
		{"OKLink", func(m *email.Mailer) error {
			return m.SendEmailChangeLink(context.Background(), "en", "ada@new.example", "ada", confirmLink, 24*time.Hour)
		}, "Confirm your new Latchkey email address", []string{"ada@new.example", confirmLink, "1 day", "can be used once"}},
		{"OKTaken", func(m *email.Mailer) error {
			return m.SendEmailChangeTaken(context.Background(), "en", "bob@example.com", "bob", signInLink, forgotLink)
		}, "Someone tried to use your Latchkey email address", []string{"Hi bob,", "already belongs to your account", signInLink, forgotLink}},
		{"OKRequested", func(m *email.Mailer) error {
			return m.SendEmailChangeRequested(context.Background(), "en", "ada@example.com", "ada", "ada@new.example", forgotLink, accountLink, 90*time.Minute)
		}, "A change of your Latchkey email address was requested", []string{"ada@new.example", "1 hour 30 minutes", "Nothing has changed yet", "cancels the change", forgotLink, accountLink}},
		{"OKChanged", func(m *email.Mailer) error {
			return m.SendEmailChanged(context.Background(), "en", "ada@example.com", "ada", "ada@new.example", at)
		}, "Your Latchkey email address was changed", []string{"ada@new.example", "Tuesday, 3 March 2026 at 13:05 UTC", "signed out"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, srv := smtpMailer(t)
			if err := tc.send(m); err != nil {
				t.Fatal(err)
			}
			p := received(t, srv).Parsed
			if p.Subject != tc.subject {
				t.Errorf("Subject = %q, want %q", p.Subject, tc.subject)
			}
			if !slices.Equal(p.PartTypes, []string{"text/plain", "text/html"}) {
				t.Errorf("parts = %v", p.PartTypes)
			}
			for name, body := range map[string]string{"text": p.Text, "html": p.HTML} {
				flat := strings.Join(strings.Fields(body), " ")
				for _, want := range append(tc.want, "Latchkey") {
					if !strings.Contains(flat, want) {
						t.Errorf("%s body lacks %q:\n%s", name, want, body)
					}
				}
			}
		})
	}
}

// TestEmailChangeMailsRefuseBadLinks: a link that is not an absolute http(s) URL sends nothing.
func TestEmailChangeMailsRefuseBadLinks(t *testing.T) {
	for name, send := range map[string]func(*email.Mailer) error{
		"ErrLinkScript": func(m *email.Mailer) error {
			return m.SendEmailChangeLink(context.Background(), "en", "ada@new.example", "ada", "javascript:alert(1)", time.Hour)
		},
		"ErrLinkNoExpiry": func(m *email.Mailer) error {
			return m.SendEmailChangeLink(context.Background(), "en", "ada@new.example", "ada", confirmLink, 0)
		},
		"ErrTakenRelative": func(m *email.Mailer) error {
			return m.SendEmailChangeTaken(context.Background(), "en", "bob@example.com", "bob", "/login", forgotLink)
		},
		"ErrRequestedEmpty": func(m *email.Mailer) error {
			return m.SendEmailChangeRequested(context.Background(), "en", "ada@example.com", "ada", "ada@new.example", forgotLink, "", time.Hour)
		},
	} {
		t.Run(name, func(t *testing.T) {
			m, srv := smtpMailer(t)
			if err := send(m); err == nil {
				t.Fatal("want error, got nil")
			}
			if n := srv.Count(); n != 0 {
				t.Errorf("server received %d messages, want 0", n)
			}
		})
	}
}
