package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"latchkey/account"
	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

const genericForgotMessage = "If an account exists with this email, you will receive password reset instructions."

// resetLink waits for the n-th mail (1-based) and returns the reset link in its text part.
func resetLink(t *testing.T, env *apptest.Env, n int, to string) string {
	t.Helper()
	msg := env.SMTP.Wait(t, n, 10*time.Second)[n-1]
	if msg.Parsed == nil {
		t.Fatalf("mail %d does not parse: %v", n, msg.ParseError)
	}
	if len(msg.To) != 1 || !strings.EqualFold(msg.To[0], to) {
		t.Fatalf("mail %d went to %v, want %s", n, msg.To, to)
	}
	return emailtest.ExtractLink(t, msg.Parsed.Text, env.URL()+"/reset-password#token=")
}

// TestResetFlow walks the whole life of a password through the pages: register, sign out,
// forget it, reset it from the mailed link, sign in, change it, sign in again. Every password
// that was replaced is refused afterwards.
func TestResetFlow(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	const email = "ada@example.com"
	first, second, third := "first correct horse", "second battery staple", "third paper lantern"

	tb.register("ada", email, first)
	tb.wantText("account-email", email)
	tb.signOut()

	tb.click("forgot-link")
	tb.waitPath("/forgot-password")
	tb.waitEnabled("forgot-submit")
	tb.fill("email", email)
	tb.click("forgot-submit")
	tb.wantText("forgot-message", genericForgotMessage)

	link := resetLink(t, env, 2, email) // after the sign-up's link
	tb.do("open the mailed link", chromedp.Navigate(link))
	tb.waitEnabled("reset-submit")
	if href := tb.eval("location.href"); href != env.URL()+"/reset-password" {
		t.Errorf("the address bar still shows %s", href)
	}
	tb.fill("new-password", second)
	tb.fill("confirm-password", second)
	tb.click("reset-submit")
	tb.waitPath("/login?reset=1")
	tb.wantText("login-notice", "Password reset. Sign in with your new password.")

	tb.signInFails(email, first)
	tb.signIn(email, second)

	tb.waitEnabled("change-submit")
	before := tb.accessToken()
	tb.fill("current-password", second)
	tb.fill("new-password", third)
	tb.fill("confirm-password", third)
	tb.click("change-submit")
	tb.wantText("change-message", "Your password has been changed.")
	// The change revoked the page's token; the page keeps the fresh one it was given.
	after := tb.accessToken()
	if code := env.Query(t, before, apptest.MeQuery, nil).Code(); code != "UNAUTHENTICATED" {
		t.Errorf("the token from before the change answers %q, want UNAUTHENTICATED", code)
	}
	if r := env.Query(t, after, apptest.MeQuery, nil); len(r.Errors) > 0 {
		t.Errorf("the page's token after the change is refused: %s", r.Body)
	}
	tb.signOut()

	tb.signInFails(email, first)
	tb.signInFails(email, second)
	tb.signIn(email, third)

	// The sign-up's link, the reset link, the notice of the reset and the notice of the change,
	// which waits for its turn after the reset's.
	env.Clock.Advance(account.PasswordNoticeInterval)
	msgs := env.SMTP.Wait(t, 4, 10*time.Second)
	for i, m := range msgs[2:] {
		if m.Parsed == nil || !strings.Contains(strings.ToLower(m.Parsed.Subject), "password") {
			t.Errorf("mail %d is not a password notice: %+v", i+3, m.Parsed)
		}
	}
}
