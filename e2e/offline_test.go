package e2e_test

import (
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
)

// offline cuts the tab off from everything but the test server: the browser pauses every
// request, lets through those to the server's loopback origin and fails the others before they
// are sent. Each refused request fails the test at its end; leftRequests reads them sooner.
type offline struct {
	mu      sync.Mutex
	refused []string
}

func (tb *tab) goOffline() *offline {
	tb.t.Helper()
	server, err := url.Parse(tb.env.URL())
	if err != nil {
		tb.t.Fatal(err)
	}
	if ip, err := netip.ParseAddr(server.Hostname()); err != nil || !ip.IsLoopback() {
		tb.t.Fatalf("the test server %s is not on a loopback address", server)
	}
	o := &offline{}
	events := chromedp.Events(tb.ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(tb.ctx, fetch.Enable, fetch.EnableParams{}); err != nil {
		tb.t.Fatalf("intercept requests: %v", err)
	}
	// Ends with the tab's context; each answer is a command, which the listener may not send.
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			if u, err := url.Parse(ev.Request.URL); err == nil && u.Scheme == server.Scheme && u.Host == server.Host {
				_, _ = chromedp.Call(tb.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			o.mu.Lock()
			o.refused = append(o.refused, ev.Request.Method+" "+ev.Request.URL)
			o.mu.Unlock()
			_, _ = chromedp.Call(tb.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}()
	tb.t.Cleanup(func() {
		for _, r := range o.leftRequests() {
			tb.t.Errorf("the page tried to leave the test server: %s", r)
		}
	})
	return o
}

// leftRequests are the requests refused so far, and forgets them.
func (o *offline) leftRequests() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.refused
	o.refused = nil
	return r
}

// TestOfflineWatch shows that the offline tab stops and reports a request to anywhere but the
// test server (a name under .invalid, which resolves nowhere, in case anything let it through).
func TestOfflineWatch(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	o := tb.goOffline()
	tb.open("/login", "login-submit")
	if r := o.leftRequests(); len(r) > 0 {
		t.Fatalf("a page of the server made requests elsewhere: %q", r)
	}
	// Not a fetch from the page: its own policy would stop that before any request is made.
	if _, err := run(tb, chromedp.Navigate("https://cdn.example.invalid/graphiql.min.js")); err == nil {
		t.Error("the tab opened a page of another host")
	}
	deadline := time.Now().Add(stepTimeout)
	for {
		r := o.leftRequests()
		if len(r) == 1 && strings.Contains(r[0], "cdn.example.invalid") {
			tb.takeProblems() // the browser's own report of the failed load
			return
		}
		if len(r) > 0 || time.Now().After(deadline) {
			t.Fatalf("refused requests %q, want the one to cdn.example.invalid", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
