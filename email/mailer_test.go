package email_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/email"
	"latchkey/email/emailtest"
)

const (
	resetPrefix = "http://localhost:8000/reset-password#token="
	resetLink   = resetPrefix + "q3-Vx_9kLm2Np4Rs6Tu8Wy0Za1Bc3De5Fg7Hi9Jk0L"
)

// smtpMailer starts a plain SMTP server and a Mailer that sends to it.
func smtpMailer(tb testing.TB) (*email.Mailer, *emailtest.Server) {
	tb.Helper()
	srv := emailtest.Start(tb, emailtest.Options{})
	m, err := email.NewMailer(mustTransport(tb, smtpConfig(srv)), "Latchkey")
	if err != nil {
		tb.Fatalf("NewMailer: %v", err)
	}
	return m, srv
}

// received waits for the server's only message and returns it parsed.
func received(tb testing.TB, srv *emailtest.Server) emailtest.Received {
	tb.Helper()
	got := srv.Wait(tb, 1, 5*time.Second)[0]
	if got.Parsed == nil {
		tb.Fatalf("parse: %v", got.ParseError)
	}
	return got
}

func TestNewMailer(t *testing.T) {
	if _, err := email.NewMailer(nil, "Latchkey"); err == nil {
		t.Error("nil transport: want error")
	}
	if _, err := email.NewMailer(email.LogTransport{}, " "); err == nil {
		t.Error("blank app name: want error")
	}
}

func TestSendPasswordReset(t *testing.T) {
	for _, tc := range []struct {
		validFor time.Duration
		want     string
	}{
		{45 * time.Minute, "45 minutes"},
		{60 * time.Minute, "1 hour"},
		{90 * time.Minute, "1 hour 30 minutes"},
	} {
		t.Run("OK"+strings.ReplaceAll(tc.want, " ", ""), func(t *testing.T) {
			m, srv := smtpMailer(t)
			err := m.SendPasswordReset(context.Background(), "en", "ada@example.com", "ada", resetLink, tc.validFor)
			if err != nil {
				t.Fatal(err)
			}
			got := received(t, srv)
			p := got.Parsed

			if got.From != "noreply@example.com" || !slices.Equal(got.To, []string{"ada@example.com"}) {
				t.Errorf("envelope = %q -> %q", got.From, got.To)
			}
			if !strings.Contains(p.Header.Get("From"), "noreply@example.com") || p.To != "<ada@example.com>" {
				t.Errorf("From/To headers = %q / %q", p.Header.Get("From"), p.To)
			}
			if p.Subject != "Reset your Latchkey password" {
				t.Errorf("Subject = %q", p.Subject)
			}
			if p.ContentType != "multipart/alternative" || !slices.Equal(p.PartTypes, []string{"text/plain", "text/html"}) {
				t.Errorf("MIME = %s %v, want multipart/alternative [text/plain text/html]", p.ContentType, p.PartTypes)
			}
			for name, body := range map[string]string{"text": p.Text, "html": p.HTML} {
				if link := emailtest.ExtractLink(t, body, resetPrefix); link != resetLink {
					t.Errorf("%s link = %q, want %q", name, link, resetLink)
				}
				for _, want := range []string{"Latchkey", "Hi ada,", "can be used once", "ignore this email"} {
					if !strings.Contains(body, want) {
						t.Errorf("%s body lacks %q", name, want)
					}
				}
			}
			if !strings.Contains(p.Text, "expires in "+tc.want+" and") {
				t.Errorf("text body lacks expiry %q:\n%s", tc.want, p.Text)
			}
			if !strings.Contains(p.HTML, "expires in <strong>"+tc.want+"</strong>") {
				t.Errorf("HTML body lacks expiry %q", tc.want)
			}
			if !strings.Contains(p.HTML, `href="`+resetLink+`"`) {
				t.Error("HTML body has no button linking to the reset link")
			}
		})
	}
}

func TestSendPasswordResetHostileInput(t *testing.T) {
	t.Run("OKUsernameEscaped", func(t *testing.T) {
		m, srv := smtpMailer(t)
		const username = `<script>alert("x")</script>`
		if err := m.SendPasswordReset(context.Background(), "en", "ada@example.com", username, resetLink, time.Hour); err != nil {
			t.Fatal(err)
		}
		p := received(t, srv).Parsed
		if strings.Contains(p.HTML, "<script") {
			t.Error("HTML body contains the username as markup")
		}
		if !strings.Contains(p.HTML, "&lt;script&gt;") {
			t.Error("HTML body lacks the escaped username")
		}
		if !strings.Contains(p.Text, username) {
			t.Error("text body should show the username as typed")
		}
	})
	for _, tc := range []struct{ name, link string }{
		{"ErrJavaScriptLink", "javascript:alert(1)"},
		{"ErrRelativeLink", "/reset-password#token=x"},
		{"ErrEmptyLink", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, srv := smtpMailer(t)
			if err := m.SendPasswordReset(context.Background(), "en", "ada@example.com", "ada", tc.link, time.Hour); err == nil {
				t.Fatal("want error, got nil")
			}
			if n := srv.Count(); n != 0 {
				t.Errorf("server received %d messages, want 0", n)
			}
		})
	}
}

func TestSendPasswordChanged(t *testing.T) {
	at := time.Date(2026, 3, 3, 14, 5, 0, 0, time.FixedZone("CET", 3600))
	since := at.Add(-10 * time.Minute)
	for _, tc := range []struct {
		name   string
		times  int
		want   []string
		unwant []string
	}{
		{"OKOnce", 1, []string{"was changed on", "Tuesday, 3 March 2026 at 13:05 UTC"}, []string{"times since"}},
		{"OKSeveralTimes", 19, []string{"changed 19 times", "since", "Tuesday, 3 March 2026 at 12:55 UTC", "most recently on", "Tuesday, 3 March 2026 at 13:05 UTC"}, []string{"was changed on"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, srv := smtpMailer(t)
			if err := m.SendPasswordChanged(context.Background(), "en", "ada@example.com", "ada", at, tc.times, since); err != nil {
				t.Fatal(err)
			}
			p := received(t, srv).Parsed
			if p.Subject != "Your Latchkey password was changed" {
				t.Errorf("Subject = %q", p.Subject)
			}
			if !slices.Equal(p.PartTypes, []string{"text/plain", "text/html"}) {
				t.Errorf("parts = %v", p.PartTypes)
			}
			for name, body := range map[string]string{"text": p.Text, "html": p.HTML} {
				flat := strings.Join(strings.Fields(body), " ")
				for _, want := range append(tc.want, "Hi ada,", "Latchkey", "it wasn't you", "Forgot password") {
					if !strings.Contains(flat, want) {
						t.Errorf("%s body lacks %q:\n%s", name, want, body)
					}
				}
				for _, unwant := range tc.unwant {
					if strings.Contains(flat, unwant) {
						t.Errorf("%s body has %q:\n%s", name, unwant, body)
					}
				}
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{time.Minute, "1 minute"},
		{30 * time.Minute, "30 minutes"},
		{time.Hour, "1 hour"},
		{90 * time.Minute, "1 hour 30 minutes"},
		{2 * time.Hour, "2 hours"},
		{61*time.Minute + 59*time.Second, "1 hour 1 minute"},
		{24 * time.Hour, "1 day"},
		{49 * time.Hour, "2 days 1 hour"},
		{30 * time.Second, "30 seconds"},
		{time.Millisecond, "1 second"},
	} {
		if got := email.HumanDuration(tc.in); got != tc.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
