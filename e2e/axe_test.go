package e2e_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
)

// axePath is axe-core as cmd/npmvendor copied it from the npm registry (go generate ./e2e).
const axePath = "testdata/npm/axe-core/axe.min.js"

var axeSource = sync.OnceValues(func() ([]byte, error) { return os.ReadFile(axePath) })

// axeViolations runs axe-core on the page as it is now and returns each rule it breaks, with
// the elements at fault. The script goes in through the DevTools protocol, which the page's
// Content-Security-Policy does not govern, so the page under test is the page as served.
func (tb *tab) axeViolations() []string {
	tb.t.Helper()
	src, err := axeSource()
	if err != nil {
		tb.t.Fatalf("axe-core: %v (run go generate ./e2e)", err)
	}
	must(tb, "load axe-core", chromedp.Evaluate[chromedp.Void](string(src)))
	out := must(tb, "run axe-core", chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ["violations"]}).then((r) => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	var violations []struct {
		ID, Impact, Help string
		Nodes            []struct{ Target []any }
	}
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		tb.t.Fatalf("axe-core's answer: %v", err)
	}
	var found []string
	for _, v := range violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, fmt.Sprint(n.Target...))
		}
		found = append(found, fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(targets, ", ")))
	}
	return found
}

// wantAccessible fails the test on every axe-core violation of the page as it is now.
func (tb *tab) wantAccessible(what string) {
	tb.t.Helper()
	for _, v := range tb.axeViolations() {
		tb.t.Errorf("%s: %s", what, v)
	}
}

// stateOf names what a person sees on the page now: its path, the notices, alerts and field
// messages showing, and which controls are disabled; checkState runs axe-core once per state.
const stateOf = `[location.pathname,
	...[...document.querySelectorAll("[role=status], [role=alert], .field-error, [aria-live]")]
		.filter((e) => !e.hidden && e.textContent.trim() !== "").map((e) => e.id + "=" + e.textContent.trim()),
	...[...document.querySelectorAll("[disabled]")].map((e) => e.id + ":disabled"),
	"rows:" + document.querySelectorAll("li, tr").length].join("|")`

// checkState fails the test on any axe-core violation of a state of a page not checked before
// in this tab: every page a test opens and every state it waits for goes through here. The
// playground is GraphiQL's own markup, which we do not control (README, "Pages").
func (tb *tab) checkState() {
	tb.t.Helper()
	state, err := run(tb, chromedp.Evaluate[string](stateOf))
	if err != nil || strings.HasPrefix(state, "/playground") {
		return // a page mid-navigation is checked at its next state
	}
	tb.mu.Lock()
	seen := tb.checked[state]
	if tb.checked == nil {
		tb.checked = map[string]bool{}
	}
	tb.checked[state] = true
	tb.mu.Unlock()
	if !seen {
		tb.wantAccessible(state)
	}
}

// TestAxeWatch shows that the check finds what it exists for: an image without a text
// alternative, added to a clean page, is reported; and that opening a page checked it.
func TestAxeWatch(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	tb.open("/login", "login-submit")
	if state := tb.eval(stateOf); !strings.HasPrefix(state, "/login|") || !tb.checked[state] {
		t.Fatalf("state %q was not checked when the page opened (checked: %v)", state, tb.checked)
	}
	if v := tb.axeViolations(); len(v) > 0 {
		t.Fatalf("a clean page has violations: %q", v)
	}
	tb.do("add an image without alt", chromedp.Evaluate[chromedp.Void](
		`document.querySelector("main").append(Object.assign(document.createElement("img"), {src: "/static/icon.svg"}))`))
	v := tb.axeViolations()
	if len(v) != 1 || !strings.HasPrefix(v[0], "image-alt ") {
		t.Fatalf("violations %q, want image-alt alone", v)
	}
}
