package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
)

// shiftedClock replaces the page's Date with one that runs offset milliseconds ahead of the real
// clock. The offset lives in the tab's sessionStorage, so it survives reloads and page changes.
const shiftedClock = `(() => {
  const KEY = "e2e.clockOffset";
  let offset = 0;
  try { offset = Number(sessionStorage.getItem(KEY)) || 0; } catch {}
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() { return RealDate.now() + offset; }
  }
  globalThis.Date = ShiftedDate;
  globalThis.e2eAdvanceClock = (ms) => {
    offset += ms;
    sessionStorage.setItem(KEY, String(offset));
  };
})();`

// firefoxOnWindows is a second browser's user agent, so that the session list tells them apart.
const firefoxOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"

const refreshMutation = `mutation($t:String!){refreshSession(input:{refreshToken:$t}){accessToken refreshToken}}`

// shiftClock installs the shifted clock in every document the tab opens from now on.
func (tb *tab) shiftClock() {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: shiftedClock}); err != nil {
		tb.t.Fatalf("shift the clock: %v", err)
	}
}

// advanceClocks moves the server's clock and the clock of each tab's page forward by d.
func advanceClocks(env *apptest.Env, d time.Duration, tabs ...*tab) {
	env.Clock.Advance(d)
	for _, tb := range tabs {
		tb.do("advance the page's clock", chromedp.Evaluate[chromedp.Void](fmt.Sprintf("e2eAdvanceClock(%d)", d.Milliseconds())))
	}
}

// waitFor polls cond until it holds, failing the test after stepTimeout; seen, when given, says
// what was there instead.
func (tb *tab) waitFor(what string, cond func() bool, seen ...func() string) {
	tb.t.Helper()
	deadline := time.After(stepTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			instead := ""
			for _, s := range seen {
				instead += s() + "\n"
			}
			tb.t.Fatalf("waited %v for %s\n%s%s", stepTimeout, what, instead, tb.describe())
		case <-tick.C:
		}
	}
}

func (tb *tab) setUserAgent(ua string) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua}); err != nil {
		tb.t.Fatalf("user agent: %v", err)
	}
}

// sessionRows lists the account page's session list, one "name|current" per row, once it has
// loaded.
func (tb *tab) sessionRows() []string {
	tb.t.Helper()
	tb.do("wait for the session list", chromedp.WaitVisible(chromedp.CSS(`#sessions-list[aria-busy="false"] li`)))
	rows := tb.eval(`[...document.querySelectorAll("#sessions-list li")]
		.map((li) => li.querySelector(".session-name strong").textContent + "|" + li.classList.contains("current")).join("\n")`)
	return strings.Split(rows, "\n")
}

// wantRows waits for the session list to show want: this browser's session first, then the
// others in any order, as sessions begun in one second are used as recently as each other.
func (tb *tab) wantRows(want ...string) {
	tb.t.Helper()
	var got []string
	tb.waitFor("the session list to show "+strings.Join(want, ", "), func() bool {
		got = tb.sessionRows()
		return len(got) == len(want) && got[0] == want[0] &&
			slices.Equal(slices.Sorted(slices.Values(got[1:])), slices.Sorted(slices.Values(want[1:])))
	}, func() string { return "it shows " + strings.Join(got, ", ") })
}

// gate holds every GraphQL request whose body names field until it is opened.
type gate struct {
	field string
	open  chan struct{}
	once  sync.Once
}

func newGate(t *testing.T, field string) *gate {
	g := &gate{field: field, open: make(chan struct{})}
	t.Cleanup(g.release)
	return g
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/graphql" && r.Body != nil {
			body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
			if strings.Contains(string(body), g.field+"(") {
				select {
				case <-g.open:
				case <-r.Context().Done():
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// TestActivePageOutlivesTokens: with one-minute access tokens, a page where the person keeps
// typing renews its token before each expires, over six lifetimes, without a sign-in and without
// losing what is typed.
func TestActivePageOutlivesTokens(t *testing.T) {
	var requests requestCounter
	env := startServer(t, apptest.Setup{Wrap: requests.wrap, Env: map[string]string{"ACCESS_TOKEN_EXPIRE_MINUTES": "1"}})
	env.Register(t, "lin", userEmail, userPassword)
	tb := openTab(t, env)
	tb.shiftClock()
	tb.signIn(userEmail, userPassword)
	tb.waitEnabled("email-submit")
	first := tb.accessToken()

	typed := ""
	// Eight renewals take six minutes, longer than the page counts an earlier activity as recent:
	// it must be the typing that keeps the session going.
	for i := range 8 {
		token, refresh, renewals := tb.accessToken(), tb.stored("refreshToken"), requests.count("refreshSession")
		// Past half the token's life, before its end: the next keystroke is what renews it.
		advanceClocks(env, 45*time.Second, tb)
		tb.do("type into the new-email field", chromedp.SendKeys(chromedp.ID("new-email"), "a"))
		typed += "a"
		tb.waitFor(fmt.Sprintf("renewal %d", i+1), func() bool { return tb.accessToken() != token })
		if n := requests.count("refreshSession"); n != renewals+1 {
			t.Errorf("renewal %d: the server saw %d refreshSession calls, want 1", i+1, n-renewals)
		}
		if tb.stored("refreshToken") == refresh {
			t.Errorf("renewal %d kept the refresh token; rotation gives a new one", i+1)
		}
		if code := env.Query(t, tb.accessToken(), apptest.MeQuery, nil).Code(); code != "" {
			t.Fatalf("renewal %d: the renewed token answers %s", i+1, code)
		}
	}

	// Six minutes have passed on both clocks: six lifetimes of the first token.
	if code := env.Query(t, first, apptest.MeQuery, nil).Code(); code != "UNAUTHENTICATED" {
		t.Errorf("the first token answers %q six minutes later, want UNAUTHENTICATED", code)
	}
	if got := tb.eval("location.pathname"); got != "/account" {
		t.Fatalf("the page went to %s while the person was typing", got)
	}
	if got := tb.eval(`document.getElementById("new-email").value`); got != typed {
		t.Errorf("the field holds %q, want what was typed, %q", got, typed)
	}
	tb.do("reload the account page", chromedp.Reload())
	tb.wantText("verify-state", "is not verified yet")
	if got := tb.eval("location.pathname"); got != "/account" {
		t.Errorf("after the reload the page is %s", got)
	}
}

// TestRefusedTokenIsRenewedOnce: when the server refuses a token the page still thinks good (its
// clock runs behind the server's), the page renews it once, for all the calls it had in flight,
// and sends them again instead of ending the session.
func TestRefusedTokenIsRenewedOnce(t *testing.T) {
	var requests requestCounter
	env := startServer(t, apptest.Setup{Wrap: requests.wrap, Env: map[string]string{"ACCESS_TOKEN_EXPIRE_MINUTES": "1"}})
	env.Register(t, "lin", userEmail, userPassword)
	tb := openTab(t, env)
	tb.signIn(userEmail, userPassword)
	tb.wantText("verify-state", "is not verified yet")
	tb.sessionRows()
	token := tb.accessToken()

	env.Clock.Advance(2 * time.Minute) // the server's clock only
	tb.do("reload the account page", chromedp.Reload())
	tb.wantText("verify-state", "is not verified yet")
	tb.wantRows("Chrome on Linux|true", "Go-http-client/1.1|false")
	if got := tb.eval("location.pathname"); got != "/account" {
		t.Fatalf("the refused token sent the page to %s", got)
	}
	if tb.accessToken() == token {
		t.Error("the page still keeps the refused token")
	}
	if n := requests.count("refreshSession"); n != 1 {
		t.Errorf("the server saw %d refreshSession calls for the page's three refused calls, want 1", n)
	}
}

// TestSignOutEndsSessionOnServer: "Sign out" ends the session on the server, so a copy of its
// tokens is refused afterwards, not only forgotten by the page.
func TestSignOutEndsSessionOnServer(t *testing.T) {
	var requests requestCounter
	env := startServer(t, apptest.Setup{Wrap: requests.wrap})
	env.Register(t, "lin", userEmail, userPassword)
	tb := openTab(t, env)
	tb.signIn(userEmail, userPassword)
	token, refresh := tb.accessToken(), tb.stored("refreshToken")

	tb.signOut()
	if n := requests.count("signOut"); n != 1 {
		t.Errorf("the server saw %d signOut calls, want 1", n)
	}
	if code := env.Query(t, token, apptest.MeQuery, nil).Code(); code != "UNAUTHENTICATED" {
		t.Errorf("the signed-out access token answers %q, want UNAUTHENTICATED", code)
	}
	if code := env.Query(t, "", refreshMutation, map[string]any{"t": refresh}).Code(); code != "UNAUTHENTICATED" {
		t.Errorf("the signed-out refresh token answers %q, want UNAUTHENTICATED", code)
	}
}

// TestSignOutWithoutServer: when the server cannot be reached, "Sign out" still forgets the
// session in this browser.
func TestSignOutWithoutServer(t *testing.T) {
	var requests requestCounter
	env := startServer(t, apptest.Setup{Wrap: requests.wrap})
	env.Register(t, "lin", userEmail, userPassword)
	tb := openTab(t, env)
	tb.signIn(userEmail, userPassword)
	token := tb.accessToken()

	if _, err := chromedp.Call(tb.ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
		URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/graphql", Block: true}},
	}); err != nil {
		t.Fatalf("block /graphql: %v", err)
	}
	tb.signOut()
	if n := requests.count("signOut"); n != 0 {
		t.Fatalf("the server saw %d signOut calls through the block", n)
	}
	// The blocked call never arrived, so the server still takes the token: only the page forgot it.
	if code := env.Query(t, token, apptest.MeQuery, nil).Code(); code != "" {
		t.Errorf("the token answers %q; the test meant the sign-out call to fail, not the session", code)
	}
	// The browser logs the blocked request: that is what this test does, not a fault of the page.
	tb.eval("String(0)")
	for _, p := range tb.takeProblems() {
		if !strings.Contains(p, "ERR_BLOCKED_BY_CLIENT") {
			t.Errorf("browser console: %s", p)
		}
	}
}

// twoBrowsers signs lin in on two browsers (separate browser contexts, which share no storage),
// the second one with another user agent, and opens the first one's account page.
func twoBrowsers(t *testing.T) (env *apptest.Env, first, second *tab) {
	env = startServer(t, apptest.Setup{})
	env.Register(t, "lin", userEmail, userPassword)
	second = openTab(t, env)
	second.setUserAgent(firefoxOnWindows)
	second.signIn(userEmail, userPassword)
	first = openTab(t, env)
	first.signIn(userEmail, userPassword)
	// The API sign-up made a session too; the list shows this browser first.
	first.wantRows("Chrome on Linux|true", "Firefox on Windows|false", "Go-http-client/1.1|false")
	return env, first, second
}

// TestSignOutOtherSession: "Sign out" beside another session on the account page ends that
// browser's session: its next request lands on the sign-in page.
func TestSignOutOtherSession(t *testing.T) {
	env, first, second := twoBrowsers(t)
	refresh := second.stored("refreshToken")

	first.do("press Sign out beside Firefox",
		chromedp.Click(`//ul[@id="sessions-list"]/li[.//strong[text()="Firefox on Windows"]]//button`))
	first.wantText("sessions-message", "Signed out Firefox on Windows.")
	first.wantRows("Chrome on Linux|true", "Go-http-client/1.1|false")
	if got := first.eval("document.activeElement.id"); got != "sessions-title" {
		t.Errorf("focus is on #%s after the list changed, want its heading", got)
	}

	second.do("reload the second browser's account page", chromedp.Reload())
	second.waitPath("/login?expired=1")
	if s := second.session(); s != "" {
		t.Errorf("the second browser still keeps the session: %s", s)
	}
	if code := env.Query(t, "", refreshMutation, map[string]any{"t": refresh}).Code(); code != "UNAUTHENTICATED" {
		t.Errorf("the signed-out browser's refresh token answers %q", code)
	}
	first.do("reload the first browser's account page", chromedp.Reload())
	first.wantRows("Chrome on Linux|true", "Go-http-client/1.1|false")
}

// TestSignOutEverywhereElse: "Sign out everywhere else" ends every other session; the other
// browser's next action on its page lands on the sign-in page, and this one stays.
func TestSignOutEverywhereElse(t *testing.T) {
	_, first, second := twoBrowsers(t)
	second.waitEnabled("email-submit")

	first.click("sign-out-others")
	first.wantText("sessions-message", "Every other browser and device is signed out.")
	first.wantRows("Chrome on Linux|true")
	if !first.hidden("sign-out-others") {
		t.Error("the button stays with no other session left")
	}

	second.fill("new-email", "lin@new.example")
	second.fill("email-password", userPassword)
	second.click("email-submit")
	second.waitPath("/login?expired=1")
	second.wantText("login-notice", "Your session has ended. Please sign in again.")
}

func (tb *tab) hidden(id string) bool {
	tb.t.Helper()
	return tb.eval(fmt.Sprintf(`String(document.getElementById(%q).hidden)`, id)) == "true"
}

// TestTabsRenewInTurn: two tabs of one browser share the session. When both find its token due,
// one renews it while the other waits for the lock (Web Locks), so they never renew at once; a
// tab whose copy of the storage has not caught up yet when it gets the lock may send the same
// refresh token once more, which the server's grace interval answers with the same pair. Signing
// out in one tab sends the other to the sign-in page.
func TestTabsRenewInTurn(t *testing.T) {
	var requests requestCounter
	held := newGate(t, "refreshSession")
	env := startServer(t, apptest.Setup{
		Wrap: func(h http.Handler) http.Handler { return requests.wrap(held.wrap(h)) },
		Env:  map[string]string{"ACCESS_TOKEN_EXPIRE_MINUTES": "1"},
	})
	env.Register(t, "lin", userEmail, userPassword)
	one := openTab(t, env)
	one.shiftClock()
	one.signIn(userEmail, userPassword)
	two := openTabBeside(one)
	two.shiftClock()
	two.open("/account", "email-submit")
	token, refresh := one.accessToken(), one.stored("refreshToken")

	advanceClocks(env, 45*time.Second, one, two)
	one.do("type in the first tab", chromedp.SendKeys(chromedp.ID("new-email"), "a"))
	one.waitFor("the first tab's refreshSession", func() bool { return requests.count("refreshSession") == 1 })
	two.do("type in the second tab", chromedp.SendKeys(chromedp.ID("new-email"), "a"))
	locks := func(want string) func() bool {
		return func() bool {
			return must(two, "query the locks", chromedp.Evaluate[string](`navigator.locks.query().then((q) =>
				[q.held, q.pending].map((ls) => ls.filter((l) => l.name === "latchkey.renew").length).join(" "))`,
				chromedp.EvalAwaitPromise)) == want
		}
	}
	two.waitFor("one tab to hold the lock while the other waits", locks("1 1"))
	if n := requests.count("refreshSession"); n != 1 {
		t.Fatalf("the server saw %d refreshSession calls while one was held, want 1: the tabs renewed at once", n)
	}
	held.release()
	two.waitFor("both renewals to end", locks("0 0"))

	for _, body := range requests.bodiesWith("refreshSession") {
		var sent struct {
			Variables struct {
				Input struct{ RefreshToken string }
			}
		}
		if err := json.Unmarshal([]byte(body), &sent); err != nil || sent.Variables.Input.RefreshToken != refresh {
			t.Errorf("a refreshSession call sent another refresh token than the first pair's: %s", body)
		}
	}
	renewed := two.accessToken()
	if renewed == token || one.accessToken() != renewed {
		t.Errorf("the tabs keep %q and %q after the renewal of %q, want one new token", one.accessToken(), renewed, token)
	}
	if code := env.Query(t, renewed, apptest.MeQuery, nil).Code(); code != "" {
		t.Errorf("the renewed token answers %s", code)
	}
	two.do("reload the second tab", chromedp.Reload())
	two.wantText("verify-state", "is not verified yet")

	one.signOut()
	two.waitPath("/login")
}

// bodiesWith lists the bodies of the requests that name field.
func (c *requestCounter) bodiesWith(field string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, b := range c.bodies {
		if strings.Contains(b, field+"(") {
			out = append(out, b)
		}
	}
	return out
}
