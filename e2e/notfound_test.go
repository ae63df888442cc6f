package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
)

// TestNotFoundPage opens an unknown address: the answer is a page of the product, in its
// style, that axe-core finds nothing wrong with, and its way home works.
func TestNotFoundPage(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	tb.goOffline()
	tb.do("open an unknown address", chromedp.Navigate(env.URL()+"/no/such/page"),
		chromedp.WaitVisible(chromedp.ID("home-link")))
	for _, p := range tb.takeProblems() {
		// The browser reports the 404 of the page itself; anything else is a problem.
		if !strings.Contains(p, "status of 404") || !strings.Contains(p, "/no/such/page") {
			t.Errorf("browser console: %s", p)
		}
	}
	if got := tb.eval(`document.title`); !strings.HasPrefix(got, "Page not found · ") {
		t.Errorf("title = %q", got)
	}
	if got := tb.eval(`getComputedStyle(document.querySelector("main")).backgroundColor`); got == "rgba(0, 0, 0, 0)" {
		t.Error("the page is not styled: its card has no background")
	}
	tb.wantAccessible("the 404 page")
	tb.click("home-link")
	tb.waitPath("/")
}
