package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"latchkey/app/apptest"
)

const (
	userEmail    = "lin@example.com"
	userPassword = "lin's long password"
)

// TestSignInRefused shows the one message for wrong credentials, whether the account exists or
// not, and that nothing is stored.
func TestSignInRefused(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	env.Register(t, "lin", userEmail, userPassword)
	tb := openTab(t, env)
	tb.signInFails(userEmail, "not lin's password")
	tb.signInFails("nobody@example.com", userPassword)
}

// TestForgotPasswordUnknownEmail shows the generic message for an address without an account,
// and that no mail goes out for it: the outbox sends in order, so once the mail asked for next
// (for a known address) arrives, an earlier one would have too.
func TestForgotPasswordUnknownEmail(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	env.Register(t, "lin", userEmail, userPassword)
	tb := openTab(t, env)
	for _, email := range []string{"nobody@example.com", userEmail} {
		tb.open("/forgot-password", "forgot-submit")
		tb.fill("email", email)
		tb.click("forgot-submit")
		tb.wantText("forgot-message", genericForgotMessage)
	}
	resetLink(t, env, 1, userEmail)
	if n := env.SMTP.Count(); n != 1 {
		t.Errorf("%d mails sent, want only the one to the known address", n)
	}
}

// TestRevokedSession: when the password is changed elsewhere, the page's token is revoked, and
// the account page sends the browser to sign in again.
func TestRevokedSession(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	tb.register("lin", userEmail, userPassword)

	other := env.Login(t, userEmail, userPassword)
	r := env.Query(t, other.AccessToken, apptest.ChangeMutation, map[string]any{"c": userPassword, "n": "changed on another device"})
	if len(r.Errors) > 0 {
		t.Fatalf("changePassword: %s", r.Body)
	}

	tb.do("reload the account page", chromedp.Reload())
	tb.waitPath("/login?expired=1")
	tb.wantText("login-notice", "Your session has ended. Please sign in again.")
	if s := tb.session(); s != "" {
		t.Errorf("the revoked session is still stored: %s", s)
	}
}

// TestKeyboardSignIn fills and sends the sign-in form with key presses alone.
func TestKeyboardSignIn(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	env.Register(t, "lin", userEmail, userPassword)
	tb := openTab(t, env)
	tb.open("/login", "login-submit")

	focused := func() string { return tb.eval("document.activeElement.id") }
	// The brand link comes first; the email field must come right after it.
	for i := 0; focused() != "email"; i++ {
		if i == 2 {
			t.Fatalf("two presses of Tab did not reach the email field (focus on %q)", focused())
		}
		tb.do("press Tab", chromedp.KeyEvent(kb.Tab))
	}
	tb.do("type the email", chromedp.KeyEvent(userEmail), chromedp.KeyEvent(kb.Tab))
	if got := focused(); got != "password" {
		t.Fatalf("Tab from the email field went to %q, want the password", got)
	}
	tb.do("type the password and press Enter", chromedp.KeyEvent(userPassword), chromedp.KeyEvent(kb.Enter))
	tb.waitPath("/account")
	tb.wantText("account-username", "lin")
}

// TestChangePasswordRefused: a wrong current password is named at its field by the server, a
// mismatched confirmation is caught before anything is sent, and the session survives both.
func TestChangePasswordRefused(t *testing.T) {
	var requests requestCounter
	env := startServer(t, apptest.Setup{Wrap: requests.wrap})
	tb := openTab(t, env)
	tb.register("lin", userEmail, userPassword)
	tb.waitEnabled("change-submit")

	tb.fill("current-password", "not lin's password")
	tb.fill("new-password", "a brand new password")
	tb.fill("confirm-password", "a brand new password")
	tb.click("change-submit")
	tb.wantText("current-password-error", "Current password is incorrect")
	if got := tb.eval("document.activeElement.id"); got != "current-password" {
		t.Errorf("focus is on #%s, want the current password", got)
	}

	tb.fill("current-password", userPassword)
	tb.fill("new-password", "a brand new password")
	tb.fill("confirm-password", "a brand new passwort")
	tb.click("change-submit")
	tb.wantText("confirm-password-error", "Passwords do not match")
	tb.waitEnabled("change-submit")
	if n := requests.count("changePassword"); n != 1 {
		t.Errorf("the server saw %d changePassword requests, want only the first", n)
	}
	env.Login(t, userEmail, userPassword)
	if code := env.Query(t, tb.accessToken(), apptest.MeQuery, nil).Code(); code != "" {
		t.Errorf("the page's session answers %s after refused changes", code)
	}
}

// TestDeleteAccount deletes the account from the account page, after one wrong password.
func TestDeleteAccount(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	tb.register("lin", userEmail, userPassword)

	tb.click("delete-open")
	tb.waitEnabled("delete-submit")
	if got := tb.eval("document.activeElement.id"); got != "delete-password" {
		t.Errorf("opening the form put focus on #%s, want the password", got)
	}
	tb.do("press Escape", chromedp.KeyEvent(kb.Escape))
	tb.do("wait for the form to close", chromedp.WaitNotVisible(chromedp.ID("delete-form")))

	tb.click("delete-open")
	// Password managers match the password to the account by the form's hidden username.
	if got := tb.eval(`document.getElementById("delete-username").value`); got != userEmail {
		t.Errorf("after closing and opening the form its username is %q, want %s", got, userEmail)
	}
	tb.fill("delete-password", "not lin's password")
	tb.click("delete-submit")
	tb.wantText("delete-password-error", "incorrect")
	if tb.session() == "" {
		t.Fatal("a wrong password ended the session")
	}

	tb.fill("delete-password", userPassword)
	tb.click("delete-submit")
	tb.waitPath("/?deleted=1")
	tb.wantText("home-notice", "Your account has been deleted.")
	if s := tb.session(); s != "" {
		t.Errorf("the deleted account's session is still stored: %s", s)
	}
	r := env.Query(t, "", apptest.LoginMutation, map[string]any{"e": userEmail, "p": userPassword})
	if r.Code() != "UNAUTHENTICATED" {
		t.Errorf("signing in to the deleted account answers %s", r.Body)
	}
}
