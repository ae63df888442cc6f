package e2e_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// timesShown counts how often text appears in what the page shows.
func (tb *tab) timesShown(text string) int {
	tb.t.Helper()
	n, err := strconv.Atoi(tb.eval(fmt.Sprintf(`String(document.body.innerText.split(%q).length - 1)`, text)))
	if err != nil {
		tb.t.Fatal(err)
	}
	return n
}

// wantBeside checks that the message for input id is shown in its field, next to it, and
// named by the input as its description.
func (tb *tab) wantBeside(id, message string) {
	tb.t.Helper()
	tb.wantText(id+"-error", message)
	js := fmt.Sprintf(`(() => {
		const input = document.getElementById(%[1]q), msg = document.getElementById(%[1]q + "-error");
		return String(input.getAttribute("aria-invalid") === "true" && input.closest(".field").contains(msg) &&
			input.getAttribute("aria-describedby").split(" ").includes(msg.id));
	})()`, id)
	if tb.eval(js) != "true" {
		tb.t.Errorf("the message of #%s is not beside it, or the input does not point to it", id)
	}
}

// TestRegisterShowsEveryFieldError: a register form with three wrong fields shows three
// messages, each next to its field and once on the page; editing one field clears its message
// alone.
func TestRegisterShowsEveryFieldError(t *testing.T) {
	env := startServer(t, apptest.Setup{Env: map[string]string{"REGISTRATION": "verified"}})
	tb := openTab(t, env)
	tb.open("/register", "register-submit")
	tb.fill("username", "b b")
	tb.fill("email", "not-an-email")
	tb.fill("password", "short")
	tb.click("register-submit")

	messages := map[string]string{
		"username": "Username may contain only letters, digits, dots, dashes and underscores",
		"email":    "Enter a valid email address",
		"password": "Password must be at least 8 characters",
	}
	for id, message := range messages {
		tb.wantBeside(id, message)
		if n := tb.timesShown(message); n != 1 {
			t.Errorf("%q is shown %d times, want once", message, n)
		}
	}
	if !tb.hidden("register-error") {
		t.Errorf("the form's alert repeats the fields' messages: %q", tb.eval(`document.getElementById("register-error").textContent`))
	}
	if got := tb.eval(`document.activeElement.id`); got != "username" {
		t.Errorf("focus is on #%s, want the first field at fault", got)
	}
	tb.wantAccessible("the register form with three errors")

	tb.fill("email", "mei@example.com")
	if !tb.hidden("email-error") || tb.eval(`String(document.getElementById("email").hasAttribute("aria-invalid"))`) != "false" {
		t.Error("editing the email left its message")
	}
	for _, id := range []string{"username", "password"} {
		if tb.hidden(id + "-error") {
			t.Errorf("editing the email cleared the message of #%s", id)
		}
	}
}

// cssOf is the computed value of property on the element id.
func (tb *tab) cssOf(id, property string) string {
	tb.t.Helper()
	return tb.eval(fmt.Sprintf(`getComputedStyle(document.getElementById(%q)).getPropertyValue(%q)`, id, property))
}

// TestPagesRoughEdges: a neutral notice is not dressed as a success; an error about a field is
// printed once; a dead reset link's form looks disabled, not nearly enabled.
func TestPagesRoughEdges(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)

	t.Run("SessionEndedIsNeutral", func(t *testing.T) {
		tb.open("/login?expired=1", "login-submit")
		tb.wantText("login-notice", "Your session has ended")
		success := tb.eval(`getComputedStyle(document.documentElement).getPropertyValue("--success").trim()`)
		for _, prop := range []string{"color", "border-left-color"} {
			if got := tb.cssOf("login-notice", prop); got == tb.eval(fmt.Sprintf(`(() => {
				const p = document.createElement("p"); p.style.color = %q; document.body.append(p);
				const c = getComputedStyle(p).color; p.remove(); return c; })()`, success)) {
				t.Errorf("the notice's %s is the success green %s", prop, got)
			}
		}
		if got, body := tb.cssOf("login-notice", "color"), tb.eval(`getComputedStyle(document.body).color`); got != body {
			t.Errorf("the notice's text is %s, want the page's text colour %s", got, body)
		}
		tb.wantAccessible("the sign-in page with the session-ended notice")
	})

	t.Run("FieldErrorPrintedOnce", func(t *testing.T) {
		tb.open("/register", "register-submit")
		tb.fill("username", "mei")
		tb.fill("email", "mei@example.com")
		tb.fill("password", "short")
		tb.click("register-submit")
		tb.wantText("password-error", "at least 8 characters")
		if n := tb.timesShown("Password must be at least 8 characters"); n != 1 {
			t.Errorf("the password's message is shown %d times, want once", n)
		}
	})

	t.Run("DeadLinkLooksDisabled", func(t *testing.T) {
		tb.open("/reset-password", "")
		tb.wantLocked("This reset link is incomplete.")
		for _, id := range []string{"new-password", "reset-submit"} {
			if got := tb.cssOf(id, "opacity"); got != "1" {
				t.Errorf("#%s is faded (opacity %s) rather than drawn as disabled", id, got)
			}
			if got := tb.cssOf(id, "border-top-style"); got != "dashed" {
				t.Errorf("#%s has a %s border, want dashed", id, got)
			}
		}
		accent := tb.eval(`(() => { const b = document.createElement("button"); b.className = "button primary";
			document.body.append(b); const c = getComputedStyle(b).backgroundColor; b.remove(); return c; })()`)
		if got := tb.cssOf("reset-submit", "background-color"); got == accent || !grey(got) {
			t.Errorf("the disabled button's background is %s, want a grey, not the accent %s", got, accent)
		}
		tb.wantAccessible("a dead reset link")
	})
}

// grey reports whether a CSS rgb() colour has channels within 16 of one another.
func grey(rgb string) bool {
	var r, g, b int
	if _, err := fmt.Sscanf(strings.TrimPrefix(rgb, "rgb("), "%d, %d, %d)", &r, &g, &b); err != nil {
		return false
	}
	return max(r, g, b)-min(r, g, b) <= 16
}
