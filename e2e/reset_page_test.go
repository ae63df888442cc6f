package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
)

// mailedLink registers an account through the API, asks for a reset the same way and returns
// the link from the mail.
func mailedLink(t *testing.T, env *apptest.Env, email string) string {
	t.Helper()
	env.Register(t, strings.Split(email, "@")[0], email, "an old long password")
	if r := env.Query(t, "", apptest.ForgotMutation, map[string]any{"e": email}); len(r.Errors) > 0 {
		t.Fatalf("forgotPassword: %s", r.Body)
	}
	return resetLink(t, env, 1, email)
}

func tokenOf(link string) string {
	_, token, _ := strings.Cut(link, "#token=")
	return token
}

// tokenValid asks the server whether a reset token would still be accepted.
func tokenValid(t *testing.T, env *apptest.Env, token string) bool {
	t.Helper()
	var check struct{ Valid bool }
	env.Query(t, "", apptest.CheckQuery, map[string]any{"t": token}).Decode(t, "checkResetToken", &check)
	return check.Valid
}

// wantLocked checks that the page shows a problem with the link and that nothing can be typed
// or sent, with a way to ask for a new link instead.
func (tb *tab) wantLocked(status string) {
	tb.t.Helper()
	tb.wantText("reset-status", status)
	for _, id := range []string{"new-password", "confirm-password", "reset-submit"} {
		if !tb.disabled(id) {
			tb.t.Errorf("#%s is enabled", id)
		}
	}
	if tb.eval(`String(document.querySelector("#reset-form [data-show-passwords]").disabled)`) != "true" {
		tb.t.Error("the show-passwords box is enabled")
	}
	tb.waitVisible("request-new-link")
}

const invalidLink = "This reset link is invalid or has expired."

// TestResetPage covers the reset page's states apart from the happy path of TestResetFlow.
func TestResetPage(t *testing.T) {
	t.Run("OKTokenLeavesAddressBar", func(t *testing.T) {
		env := startServer(t, apptest.Setup{})
		tb := openTab(t, env)
		link := mailedLink(t, env, "grace@example.com")
		for _, address := range []string{link, env.URL() + "/reset-password?token=" + tokenOf(link)} {
			tb.do("open "+address, chromedp.Navigate(address))
			tb.waitEnabled("reset-submit")
			if href := tb.eval("location.href"); href != env.URL()+"/reset-password" {
				t.Errorf("after opening %s the address bar shows %s", address, href)
			}
		}
	})

	t.Run("ErrExpiredLink", func(t *testing.T) {
		env := startServer(t, apptest.Setup{})
		tb := openTab(t, env)
		link := mailedLink(t, env, "grace@example.com")
		env.Clock.Advance(61 * time.Minute)
		tb.do("open the link", chromedp.Navigate(link))
		tb.wantLocked(invalidLink)
	})

	t.Run("ErrReusedLink", func(t *testing.T) {
		env := startServer(t, apptest.Setup{})
		tb := openTab(t, env)
		link := mailedLink(t, env, "grace@example.com")
		tb.do("open the link", chromedp.Navigate(link))
		tb.waitEnabled("reset-submit")
		tb.fill("new-password", "a brand new password")
		tb.fill("confirm-password", "a brand new password")
		tb.click("reset-submit")
		tb.waitPath("/login?reset=1")

		tb.do("open the link again", chromedp.Navigate(link))
		tb.wantLocked(invalidLink)
	})

	t.Run("ErrLinkUsedWhileOpen", func(t *testing.T) {
		env := startServer(t, apptest.Setup{})
		tb := openTab(t, env)
		link := mailedLink(t, env, "grace@example.com")
		tb.do("open the link", chromedp.Navigate(link))
		tb.waitEnabled("reset-submit")
		r := env.Query(t, "", apptest.ResetMutation, map[string]any{"t": tokenOf(link), "p": "spent elsewhere first"})
		if len(r.Errors) > 0 {
			t.Fatalf("resetPassword: %s", r.Body)
		}
		tb.fill("new-password", "a brand new password")
		tb.fill("confirm-password", "a brand new password")
		tb.click("reset-submit")
		tb.wantLocked(invalidLink)
		if got := tb.eval("location.pathname"); got != "/reset-password" {
			t.Errorf("a refused reset went to %s", got)
		}
	})

	t.Run("ErrNoToken", func(t *testing.T) {
		env := startServer(t, apptest.Setup{})
		tb := openTab(t, env)
		tb.open("/reset-password", "")
		tb.wantLocked("This reset link is incomplete.")
	})

	t.Run("ErrCheckedBeforeSending", func(t *testing.T) {
		var requests requestCounter
		env := startServer(t, apptest.Setup{Wrap: requests.wrap})
		tb := openTab(t, env)
		link := mailedLink(t, env, "grace@example.com")
		tb.do("open the link", chromedp.Navigate(link))
		tb.waitEnabled("reset-submit")

		tb.fill("new-password", "a brand new password")
		tb.fill("confirm-password", "a brand new passwort")
		tb.click("reset-submit")
		tb.wantText("confirm-password-error", "Passwords do not match")
		if n := tb.timesShown("Passwords do not match"); n != 1 || !tb.hidden("reset-error") {
			t.Errorf("the mismatch is shown %d times (the form's alert hidden: %v), want once, beside the field", n, tb.hidden("reset-error"))
		}
		if got := tb.eval(`document.activeElement.id`); got != "confirm-password" {
			t.Errorf("focus is on #%s, want the confirmation", got)
		}

		tb.fill("new-password", "short")
		tb.fill("confirm-password", "short")
		tb.click("reset-submit")
		tb.wantText("new-password-error", "at least 8 characters")

		tb.fill("new-password", "")
		tb.fill("confirm-password", "")
		tb.click("reset-submit")
		tb.wantText("new-password-error", "Choose a new password.")
		tb.wantText("confirm-password-error", "Type the new password again.")

		tb.waitEnabled("reset-submit")
		if n := requests.count("resetPassword"); n != 0 {
			t.Errorf("the server saw %d resetPassword requests, want none", n)
		}
		if n := requests.count("checkResetToken"); n != 1 {
			t.Errorf("the server saw %d checkResetToken requests, want the page's one", n)
		}
		if !tokenValid(t, env, tokenOf(link)) {
			t.Error("the token no longer works")
		}
	})
}
