package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
)

// TestPlaygroundOffline opens GraphiQL in a tab that can reach nothing but the server, picks
// Register from the example document and runs it: every file the page needs comes from the
// binary, under a policy that trusts only the server, and the answer shows in the result pane.
func TestPlaygroundOffline(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	o := tb.goOffline()
	tb.do("open the playground", chromedp.Navigate(env.URL()+"/playground"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")))
	if r := o.leftRequests(); len(r) > 0 {
		t.Fatalf("the playground loaded files from elsewhere: %q", r)
	}
	tb.do("press run", chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	tb.do("pick Register", chromedp.Click(chromedp.Search(`//*[@role="menuitem"][normalize-space()="Register"]`)))
	result := tb.waitResult(`"accessToken"`)
	for _, want := range []string{`"username": "alice"`, `"email": "alice@example.com"`} {
		if !strings.Contains(result, want) {
			t.Errorf("the result pane lacks %s:\n%s", want, result)
		}
	}
	env.Login(t, "alice@example.com", "correct horse battery") // the account is real
}

// waitResult polls GraphiQL's result pane until it holds want, and returns its text.
func (tb *tab) waitResult(want string) string {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		got, _ := run(tb, chromedp.Evaluate[string](
			`(document.querySelector(".graphiql-response .CodeMirror") || {CodeMirror: {getValue: () => ""}}).CodeMirror.getValue()`))
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("the result pane shows %q after %v, want %s in it", got, stepTimeout, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
