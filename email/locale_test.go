package email_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/email"
	"latchkey/email/emailtest"
	"latchkey/locale"
	"latchkey/locale/localetest"
)

const verifyLink = "https://keys.example.test/verify-email#token=q3-Vx_9kLm2Np4Rs6Tu8Wy0Za1Bc3De5Fg7Hi9Jk0L"

// everyMail sends each mail once, in lang, keyed by its folder in templates/.
var everyMail = map[string]func(m *email.Mailer, lang string) error{
	"password_reset": func(m *email.Mailer, lang string) error {
		return m.SendPasswordReset(context.Background(), lang, "ada@example.com", "ada", resetLink, time.Hour)
	},
	"password_changed": func(m *email.Mailer, lang string) error {
		at := time.Date(2026, 3, 3, 13, 5, 0, 0, time.UTC)
		return m.SendPasswordChanged(context.Background(), lang, "ada@example.com", "ada", at, 3, at.Add(-time.Hour))
	},
	"sign_up": func(m *email.Mailer, lang string) error {
		return m.SendSignUpLink(context.Background(), lang, "ada@example.com", "ada", verifyLink, 24*time.Hour)
	},
	"sign_up_notice": func(m *email.Mailer, lang string) error {
		return m.SendSignUpNotice(context.Background(), lang, "ada@example.com", "ada", signInLink, forgotLink)
	},
	"email_verification": func(m *email.Mailer, lang string) error {
		return m.SendVerificationLink(context.Background(), lang, "ada@example.com", "ada", verifyLink, 90*time.Minute)
	},
	"email_change": func(m *email.Mailer, lang string) error {
		return m.SendEmailChangeLink(context.Background(), lang, "ada@new.example", "ada", confirmLink, 24*time.Hour)
	},
	"email_change_taken": func(m *email.Mailer, lang string) error {
		return m.SendEmailChangeTaken(context.Background(), lang, "bob@example.com", "bob", signInLink, forgotLink)
	},
	"email_change_requested": func(m *email.Mailer, lang string) error {
		return m.SendEmailChangeRequested(context.Background(), lang, "ada@example.com", "ada", "ada@new.example", forgotLink, accountLink, time.Minute)
	},
	"email_changed": func(m *email.Mailer, lang string) error {
		return m.SendEmailChanged(context.Background(), lang, "ada@example.com", "ada", "ada@new.example", time.Date(2026, 3, 3, 13, 5, 0, 0, time.UTC))
	},
}

// TestEveryMailInEveryLanguage renders every mail in every language through a real SMTP
// server: a key a language lacks fails the send, and English left in another language's mail,
// where the catalogue says otherwise, fails the test.
func TestEveryMailInEveryLanguage(t *testing.T) {
	if got := slices.Sorted(maps.Keys(everyMail)); !slices.Equal(got, slices.Sorted(slices.Values(email.MailNames))) {
		t.Fatalf("the test covers %v, the mails are %v", got, email.MailNames)
	}
	for _, lang := range locale.Languages() {
		t.Run(lang, func(t *testing.T) {
			m, srv := smtpMailer(t)
			for _, name := range email.MailNames {
				if err := everyMail[name](m, lang); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			for i, got := range srv.Wait(t, len(email.MailNames), 10*time.Second) {
				p := got.Parsed
				if p == nil {
					t.Fatalf("mail %d: %v", i, got.ParseError)
				}
				if !strings.Contains(p.HTML, `<html lang="`+lang+`">`) {
					t.Errorf("%q: the HTML part does not say lang=%q", p.Subject, lang)
				}
				if lang == locale.Default {
					continue
				}
				for _, english := range localetest.English(lang, p.Subject+"\n"+p.Text+"\n"+p.HTML) {
					t.Errorf("%q: English left in the %s mail: %s", p.Subject, lang, english)
				}
			}
		})
	}
}

// TestGermanMail: a German reset and change notice, as a mail client decodes them.
func TestGermanMail(t *testing.T) {
	m, srv := smtpMailer(t)
	if err := everyMail["password_reset"](m, "de"); err != nil {
		t.Fatal(err)
	}
	p := received(t, srv).Parsed
	if p.Subject != "Setzen Sie Ihr Latchkey-Passwort zurück" {
		t.Errorf("Subject = %q", p.Subject)
	}
	for name, body := range map[string]string{"text": p.Text, "html": localetest.Flatten(p.HTML)} {
		flat := strings.Join(strings.Fields(body), " ")
		for _, want := range []string{"Hallo ada,", "Der Link läuft in 1 Stunde ab", resetLink, "Ihr Latchkey-Team"} {
			if name == "html" && want == "Ihr Latchkey-Team" {
				continue // the HTML part signs with the footer instead
			}
			if !strings.Contains(flat, want) {
				t.Errorf("%s part lacks %q:\n%s", name, want, body)
			}
		}
	}
}

// TestGermanDates: times and durations in German words and plurals.
func TestGermanDates(t *testing.T) {
	srv := emailtest.Start(t, emailtest.Options{})
	m, err := email.NewMailer(mustTransport(t, smtpConfig(srv)), "Latchkey")
	if err != nil {
		t.Fatal(err)
	}
	if err := everyMail["password_changed"](m, "de"); err != nil {
		t.Fatal(err)
	}
	if err := everyMail["email_change_requested"](m, "de"); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 2, 5*time.Second)
	for i, want := range []string{"seit Dienstag, 3. März 2026 um 12:05 UTC 3-mal geändert, zuletzt am Dienstag, 3. März 2026 um 13:05 UTC", "innerhalb von 1 Minute geöffnet"} {
		if flat := strings.Join(strings.Fields(got[i].Parsed.Text), " "); !strings.Contains(flat, want) {
			t.Errorf("mail %d lacks %q:\n%s", i, want, got[i].Parsed.Text)
		}
	}
}
