package e2e_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

// screenshotToken stands in for a mailed token in a screenshot, so that every run's image is the same.
const screenshotToken = "q3-Vx_9kLm2Np4Rs6Tu8Wy0Za1Bc3De5Fg7Hi9Jk0L"

// speak has the tab's browser ask for lang, as one set to that language does.
func (tb *tab) speak(acceptLanguage string) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": acceptLanguage},
	}); err != nil {
		tb.t.Fatalf("Accept-Language: %v", err)
	}
}

// wantGerman checks the page says it is German, its heading is want, and axe finds nothing.
func (tb *tab) wantGerman(name, heading string) {
	tb.t.Helper()
	if got := tb.eval(`document.documentElement.lang`); got != "de" {
		tb.t.Errorf("%s: lang = %q, want de", name, got)
	}
	tb.wantText("title", heading)
	tb.wantAccessible(name)
}

// showMail opens a mail's HTML part as the page, its links' token and port replaced by fixed
// ones.
func (tb *tab) showMail(m emailtest.Received, token string) {
	tb.t.Helper()
	html := strings.NewReplacer(token, screenshotToken, tb.env.URL(), "http://127.0.0.1:8000").Replace(m.Parsed.HTML)
	tb.do("show the mail", chromedp.Navigate("data:text/html;charset=utf-8;base64,"+base64.StdEncoding.EncodeToString([]byte(html))))
	tb.do("wait for the mail", chromedp.WaitVisible(chromedp.CSS("a[href]")))
}

// TestGermanPages: a browser set to German gets every page, and the messages its scripts show,
// in German, with no axe violation; a sign-up from it gets a German mail and a German account,
// whose later mail is German too; an API message is shown in German; the account page's
// language field changes the language.
func TestGermanPages(t *testing.T) {
	env := startServer(t, apptest.Setup{Env: map[string]string{"REGISTRATION": "verified"}})
	now := time.Now().UTC()
	env.Clock.Advance(time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, time.UTC).Sub(now))
	tb := openTab(t, env)
	tb.pin("de-DE")
	tb.speak("de-DE,de;q=0.9,en;q=0.5")

	for _, p := range []struct{ name, path, submit, heading string }{
		{"home", "/", "", "Willkommen bei"},
		{"login", "/login", "login-submit", "Anmelden"},
		{"forgot-password", "/forgot-password", "forgot-submit", "Passwort vergessen?"},
		{"not-found", "/no/such/page", "", "Seite nicht gefunden"},
	} {
		tb.open(p.path, p.submit)
		tb.wantGerman(p.name, p.heading)
		tb.shoot("de-" + p.name + "-desktop")
		for _, problem := range tb.takeProblems() {
			// The browser reports the 404 of the page itself; anything else is a problem.
			if p.name != "not-found" || !strings.Contains(problem, "status of 404") {
				t.Errorf("%s: browser console: %s", p.name, problem)
			}
		}
	}
	tb.open("/login", "login-submit")
	tb.fill("email", "nobody@example.com")
	tb.fill("password", "a wrong long password")
	tb.click("login-submit")
	tb.wantText("login-error", "E-Mail-Adresse oder Passwort ist falsch")

	tb.open("/register", "register-submit")
	tb.wantGerman("register", "Konto erstellen")
	tb.shoot("de-register-desktop")
	tb.fill("username", "kim")
	tb.fill("email", "kim@example.com")
	tb.fill("password", "kim's long password")
	tb.click("register-submit")
	tb.wantText("signup-message", "Sehen Sie in Ihrem Posteingang nach")
	tb.wantAccessible("register, sent")

	link := verifyLink(t, env, 1, "kim@example.com")
	m := env.SMTP.Wait(t, 1, stepTimeout)[0]
	if want := "Schließen Sie die Erstellung Ihres " + env.App.Config.AppName + "-Kontos ab"; m.Parsed.Subject != want {
		t.Errorf("sign-up mail: subject %q, want %q", m.Parsed.Subject, want)
	}
	tb.showMail(m, tokenOf(link))
	tb.shoot("de-mail-sign-up-desktop")

	tb.do("open the mailed link", chromedp.Navigate(link))
	tb.waitEnabled("verify-submit")
	tb.wantGerman("verify-email", "Bestätigen Sie Ihre E-Mail-Adresse")
	tb.click("verify-submit")
	tb.waitPath("/account?verified=1")
	tb.wantText("verify-message", "Ihre E-Mail-Adresse ist bestätigt.")
	tb.waitFor("the language field to show the account's", func() bool { return tb.eval(`document.getElementById("locale").value`) == "de" })
	tb.wantGerman("account", "Ihr Konto")
	tb.shoot("de-account-desktop")

	// An API message, which is English, is shown in the page's language.
	tb.fill("current-password", "not kim's password")
	tb.fill("new-password", "kim's new long password")
	tb.fill("confirm-password", "kim's new long password")
	tb.click("change-submit")
	tb.wantText("change-form", "Das aktuelle Passwort ist falsch")

	// The account's later mail is German, whatever language the request that causes it asks in.
	if r := env.Query(t, "", apptest.ForgotMutation, map[string]any{"e": "kim@example.com"}); len(r.Errors) > 0 {
		t.Fatalf("forgotPassword: %s", r.Body)
	}
	reset := resetLink(t, env, 2, "kim@example.com")
	if m := env.SMTP.Wait(t, 2, stepTimeout)[1]; !strings.HasPrefix(m.Parsed.Subject, "Setzen Sie Ihr ") {
		t.Errorf("reset mail to a German account: %q", m.Parsed.Subject)
	}
	tb.do("open the reset link", chromedp.Navigate(reset))
	tb.waitEnabled("reset-submit")
	tb.wantText("reset-status", "Wählen Sie vor")
	tb.wantGerman("reset-password", "Neues Passwort wählen")

	tb.open("/account", "locale-submit")
	tb.do("choose English", chromedp.SetValue(chromedp.ID("locale"), "en"))
	tb.click("locale-submit")
	tb.wantText("locale-message", "Unsere E-Mails an Sie sind jetzt auf English.")
	var me struct{ Locale string }
	env.Query(t, tb.accessToken(), `{me{locale}}`, nil).Decode(t, "me", &me)
	if me.Locale != "en" {
		t.Errorf("after the language field: locale %q, want en", me.Locale)
	}
}
