package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// The steps a test takes in a tab. Each fails the test when it fails, with where the page was
// and what it said.

// run runs one action in the tab within stepTimeout.
func run[T any](tb *tab, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// must runs one action in the tab and fails the test, describing the page, when it fails.
func must[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	v, err := run(tb, a)
	if err != nil {
		tb.t.Fatalf("%s: %v\n%s", what, err, tb.describe())
	}
	return v
}

// do runs actions in the tab and fails the test at the first error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	must(tb, what, chromedp.Steps(actions...))
}

// describe says where the page is and what its notices and alerts show, for a failure message.
func (tb *tab) describe() string {
	s, err := run(tb, chromedp.Evaluate[string](`[
		"page: " + location.href,
		...[...document.querySelectorAll("[role=status], [role=alert], .field-error")]
			.filter((e) => !e.hidden && e.textContent.trim() !== "")
			.map((e) => "#" + e.id + ": " + e.textContent.trim()),
	].join("\n")`))
	if err != nil {
		return "page: unknown (" + err.Error() + ")"
	}
	return s
}

// open loads a page of the server and waits for its form's submit button to be enabled, which
// the page's script does once it is ready; submitID may be "" for a page without a form.
func (tb *tab) open(path, submitID string) {
	tb.t.Helper()
	tb.do("open "+path, chromedp.Navigate(tb.env.URL()+path))
	if submitID != "" {
		tb.waitEnabled(submitID)
	}
	tb.checkState()
}

func (tb *tab) waitEnabled(id string) {
	tb.t.Helper()
	tb.do("wait for #"+id+" to be enabled", chromedp.WaitVisible(chromedp.CSS("#"+id+":not([disabled])")))
}

func (tb *tab) waitVisible(id string) {
	tb.t.Helper()
	tb.do("wait for #"+id, chromedp.WaitVisible(chromedp.ID(id)))
}

// fill types value into an empty input, as a person would, so that input events fire.
func (tb *tab) fill(id, value string) {
	tb.t.Helper()
	sel := chromedp.ID(id)
	tb.do("fill #"+id,
		chromedp.WaitVisible(sel),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).value = ""`, id)),
		chromedp.SendKeys(sel, value))
}

func (tb *tab) click(id string) {
	tb.t.Helper()
	tb.do("click #"+id, chromedp.Click(chromedp.ID(id)))
}

// wantText waits for the element to be visible and its text to hold want. Pages fill their
// status lines from answers that come after the page has loaded, so a first look may be early.
func (tb *tab) wantText(id, want string) {
	tb.t.Helper()
	tb.waitVisible(id)
	expr := fmt.Sprintf(`document.getElementById(%q).textContent`, id)
	deadline := time.After(stepTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var got string
	for {
		text, err := run(tb, chromedp.Evaluate[string](expr))
		if got = strings.TrimSpace(text); err == nil && strings.Contains(got, want) {
			tb.checkState()
			return
		}
		select {
		case <-deadline:
			tb.t.Fatalf("#%s says %q after %v, want %q in it\n%s", id, got, stepTimeout, want, tb.describe())
		case <-tick.C:
		}
	}
}

func (tb *tab) eval(expr string) string {
	tb.t.Helper()
	return must(tb, "evaluate "+expr, chromedp.Evaluate[string](expr))
}

func (tb *tab) disabled(id string) bool {
	tb.t.Helper()
	return tb.eval(fmt.Sprintf(`String(document.getElementById(%q).disabled)`, id)) == "true"
}

// waitPath polls until a page whose path and query are want has loaded, across page loads; a
// poll inside the page would not survive the navigation it waits for.
func (tb *tab) waitPath(want string) {
	tb.t.Helper()
	deadline := time.After(stepTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := run(tb, chromedp.Evaluate[string](
			`document.readyState === "complete" ? location.pathname + location.search : ""`))
		if err == nil && got == want {
			tb.checkState()
			return
		}
		select {
		case <-deadline:
			tb.t.Fatalf("waited %v for %s\n%s", stepTimeout, want, tb.describe())
		case <-tick.C:
		}
	}
}

// session is what the pages keep in localStorage, or "" when they keep nothing.
func (tb *tab) session() string {
	tb.t.Helper()
	return tb.eval(`localStorage.getItem("latchkey.session") || ""`)
}

// stored is one field of the session the pages keep, or "" without one.
func (tb *tab) stored(field string) string {
	tb.t.Helper()
	return tb.eval(fmt.Sprintf(`String((JSON.parse(localStorage.getItem("latchkey.session")) || {})[%q] || "")`, field))
}

// accessToken is the token of the session the page keeps.
func (tb *tab) accessToken() string {
	tb.t.Helper()
	token := tb.stored("accessToken")
	if token == "" {
		tb.t.Fatal("the page keeps no session")
	}
	return token
}

// signIn fills the sign-in form and waits for the account page.
func (tb *tab) signIn(email, password string) {
	tb.t.Helper()
	tb.open("/login", "login-submit")
	tb.fill("email", email)
	tb.fill("password", password)
	tb.click("login-submit")
	tb.waitPath("/account")
	tb.waitVisible("account-username")
}

// signInFails fills the sign-in form and expects the one message for wrong credentials.
func (tb *tab) signInFails(email, password string) {
	tb.t.Helper()
	tb.open("/login", "login-submit")
	tb.fill("email", email)
	tb.fill("password", password)
	tb.click("login-submit")
	tb.wantText("login-error", "Incorrect email or password")
	tb.waitEnabled("login-submit")
	if got := tb.eval("location.pathname"); got != "/login" {
		tb.t.Fatalf("a failed sign-in went to %s", got)
	}
	if s := tb.session(); s != "" {
		tb.t.Fatalf("a failed sign-in stored a session: %s", s)
	}
}

// signOut presses the account page's sign-out button.
func (tb *tab) signOut() {
	tb.t.Helper()
	tb.click("sign-out")
	tb.waitPath("/login")
	tb.waitEnabled("login-submit")
	if s := tb.session(); s != "" {
		tb.t.Fatalf("signing out left a session: %s", s)
	}
}

// register signs up through the registration form, opens the link of the mail that comes,
// confirms, and waits for the account page.
func (tb *tab) register(username, email, password string) {
	tb.t.Helper()
	before := tb.env.SMTP.Count()
	tb.open("/register", "register-submit")
	tb.fill("username", username)
	tb.fill("email", email)
	tb.fill("password", password)
	tb.click("register-submit")
	tb.wantText("signup-message", "Check your inbox to finish creating your account.")
	tb.openVerifyLink(verifyLink(tb.t, tb.env, before+1, email))
	tb.wantText("account-username", username)
}

// openVerifyLink opens a mailed verification link, confirms, and waits for the account page.
func (tb *tab) openVerifyLink(link string) {
	tb.t.Helper()
	tb.do("open the mailed link", chromedp.Navigate(link))
	tb.waitEnabled("verify-submit")
	tb.click("verify-submit")
	tb.waitPath("/account?verified=1")
}
