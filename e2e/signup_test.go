package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

// verifyLink waits for the n-th mail (1-based), checks it went to `to`, and returns the
// verification link in its text part.
func verifyLink(t *testing.T, env *apptest.Env, n int, to string) string {
	t.Helper()
	msg := env.SMTP.Wait(t, n, 10*time.Second)[n-1]
	if msg.Parsed == nil {
		t.Fatalf("mail %d does not parse: %v", n, msg.ParseError)
	}
	if len(msg.To) != 1 || !strings.EqualFold(msg.To[0], to) {
		t.Fatalf("mail %d went to %v, want %s", n, msg.To, to)
	}
	return emailtest.ExtractLink(t, msg.Parsed.Text, env.URL()+apptest.VerifyPath)
}

// TestSignUpFlow walks verified sign-up through the pages: the form answers "check your inbox"
// and creates nothing, the mailed link's page takes the token out of the address bar, and its
// button creates the account, signs in and lands on the account page, which shows the address
// verified. The link then fails.
func TestSignUpFlow(t *testing.T) {
	env := startServer(t, apptest.Setup{Env: map[string]string{"REGISTRATION": "verified"}})
	tb := openTab(t, env)
	const email = "mei@example.com"

	tb.open("/register", "register-submit")
	tb.fill("username", "mei")
	tb.fill("email", email)
	tb.fill("password", userPassword)
	tb.click("register-submit")
	tb.wantText("signup-message", "Check your inbox to finish creating your account.")
	tb.wantText("signup-email", email)
	if s := tb.session(); s != "" {
		t.Fatalf("signing up stored a session before the link was used: %s", s)
	}
	if r := env.Query(t, "", apptest.LoginMutation, map[string]any{"e": email, "p": userPassword}); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("an account exists before the link is used: %s", r.Body)
	}

	link := verifyLink(t, env, 1, email)
	tb.do("open the mailed link", chromedp.Navigate(link))
	tb.waitEnabled("verify-submit")
	if href := tb.eval("location.href"); href != env.URL()+"/verify-email" {
		t.Errorf("the address bar still shows %s", href)
	}
	tb.click("verify-submit")
	tb.waitPath("/account?verified=1")
	tb.wantText("account-username", "mei")
	tb.wantText("verify-state", email+" is verified.")
	tb.wantText("verify-message", "Your email address is verified.")

	tb.signOut()
	tb.signIn(email, userPassword)

	tb.do("open the used link", chromedp.Navigate(link))
	tb.waitEnabled("verify-submit")
	tb.click("verify-submit")
	tb.wantText("verify-status", "This link is invalid, used or has expired.")
	if !tb.disabled("verify-submit") {
		t.Error("the button of a used link is enabled")
	}
}

// TestAccountVerifiesAddress: an account made at once (REGISTRATION=instant) shows its address
// unverified; the account page's button mails a link, which verifies it.
func TestAccountVerifiesAddress(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	env.Register(t, "lin", userEmail, userPassword)
	tb := openTab(t, env)
	tb.signIn(userEmail, userPassword)
	tb.wantText("verify-state", userEmail+" is not verified yet.")
	tb.waitEnabled("send-verification")
	tb.click("send-verification")
	tb.wantText("verify-message", "Check your inbox for a link to verify your email address.")

	tb.openVerifyLink(verifyLink(t, env, 1, userEmail))
	tb.wantText("verify-state", userEmail+" is verified.")
	if tb.eval(`String(document.getElementById("send-verification").hidden)`) != "true" {
		t.Error("the send button shows for a verified address")
	}
}
