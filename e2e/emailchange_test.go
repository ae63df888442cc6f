package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
)

const changeEmailMessage = "Check the inbox of the new address to finish the change. Until then, sign in with your current address."

// changeLink waits until n mails have arrived and returns the email-change link mailed to to.
func changeLink(t *testing.T, env *apptest.Env, n int, to string) string {
	t.Helper()
	got := env.MailTo(t, n, to)
	if len(got) == 0 {
		t.Fatalf("no mail to %s among the first %d", to, n)
	}
	return env.ConfirmLinkPrefix() + env.ConfirmToken(t, got[len(got)-1])
}

// emailChangeLink asks, through the API, to move the account of email to newEmail, and returns
// the link mailed there.
func emailChangeLink(t *testing.T, env *apptest.Env, email, password, newEmail string) string {
	t.Helper()
	s := env.Login(t, email, password)
	before := env.SMTP.Count() // the worker may send the two mails before ChangeEmail returns
	if r := env.ChangeEmail(t, s.AccessToken, newEmail, password); len(r.Errors) > 0 {
		t.Fatalf("changeEmail: %s", r.Body)
	}
	return changeLink(t, env, before+2, newEmail)
}

// TestChangeEmailFlow changes the address through the pages: a wrong password is refused on
// the account page, the right one gets the one answer, the mailed link opens the confirmation
// page, which takes the token out of the address bar, confirms on a press and sends the browser
// to sign in with the new address; the old one no longer signs in.
func TestChangeEmailFlow(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	tb.register("lin", userEmail, userPassword)
	tb.waitEnabled("email-submit")

	tb.fill("new-email", "lin@new.example")
	tb.fill("email-password", "not lin's password")
	tb.click("email-submit")
	tb.wantText("email-password-error", "Current password is incorrect")
	if tb.eval(`document.activeElement.id`) != "email-password" {
		t.Error("the wrong password's field does not have focus")
	}

	tb.fill("email-password", userPassword)
	tb.click("email-submit")
	tb.wantText("email-message", changeEmailMessage)
	if got := tb.eval(`document.getElementById("new-email").value`); got != "" {
		t.Errorf("the form keeps %q after the request", got)
	}
	tb.wantText("account-email", userEmail) // nothing moves before the link is used

	link := changeLink(t, env, 2, "lin@new.example")
	tb.do("open the mailed link", chromedp.Navigate(link))
	tb.waitEnabled("confirm-submit")
	if href := tb.eval("location.href"); href != env.URL()+"/confirm-email" {
		t.Errorf("the address bar still shows %s", href)
	}
	tb.click("confirm-submit")
	tb.waitPath("/login?email-changed=1")
	tb.wantText("login-notice", "Email address changed. Sign in with your new address.")
	if s := tb.session(); s != "" {
		t.Errorf("the revoked session is still stored: %s", s)
	}

	tb.signInFails(userEmail, userPassword)
	tb.signIn("lin@new.example", userPassword)
	tb.wantText("account-email", "lin@new.example")

	t.Run("ErrLinkUsedAgain", func(t *testing.T) {
		tb.do("open the used link", chromedp.Navigate(link))
		tb.waitEnabled("confirm-submit")
		tb.click("confirm-submit")
		tb.wantText("confirm-status", "This link is invalid, was used already or has expired.")
		if !tb.disabled("confirm-submit") {
			t.Error("the confirm button is still enabled")
		}
		tb.waitVisible("account-link")
	})
	t.Run("ErrNoToken", func(t *testing.T) {
		tb.open("/confirm-email", "")
		tb.wantText("confirm-status", "This link is incomplete.")
	})
}
