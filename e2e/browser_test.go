// Package e2e_test drives the web pages in a real headless Chromium against the whole server
// (apptest: real SQLite, real SMTP). One browser serves the package; each test gets its own
// tab in a fresh browser context, so no storage leaks from one test to the next.
package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"latchkey/account"
	"latchkey/app/apptest"
)

// stepTimeout bounds each step in a tab: a wait for what never comes fails soon, with the page.
const stepTimeout = 10 * time.Second

// cheapArgon2 keeps hashing fast under -race; the cost parameters are not what these tests prove.
var cheapArgon2 = account.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

var browser struct {
	once    sync.Once
	ctx     context.Context // the first tab; every test's tab is a child of it
	err     error
	missing string // why there is no browser to run, when there is none
	stop    func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.stop != nil {
		browser.stop()
	}
	os.Exit(code)
}

// chromiumPath is Debian's chromium, else the first "chromium" in PATH, else "".
func chromiumPath() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	path, _ := exec.LookPath("chromium")
	return path
}

func startBrowser() {
	path := chromiumPath()
	if path == "" {
		browser.missing = "chromium not found at /usr/bin/chromium or in PATH (apt-get install chromium)"
		return
	}
	dir, err := os.MkdirTemp("", "latchkey-e2e-chromium-")
	if err != nil {
		browser.err = err
		return
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// No host resolves but this machine: a page that reaches for another host fails here,
		// without a DNS query leaving the machine (servers under test listen on 127.0.0.1).
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		// Screenshots without scrollbars, whatever the platform draws.
		chromedp.Flag("hide-scrollbars", true),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	browser.stop = func() {
		cancel()
		cancelAlloc()
		os.RemoveAll(dir)
	}
	// The first run starts the browser; its life is bound to this context, which has no timeout.
	if err := chromedp.Do(ctx); err != nil {
		browser.err = fmt.Errorf("start %s: %w", path, err)
		return
	}
	browser.ctx = ctx
}

// requireBrowser starts the package's browser once. Without one, the test is skipped locally
// and fails in CI (CI=true), where a skipped browser test would pass silently.
func requireBrowser(t *testing.T) {
	t.Helper()
	browser.once.Do(startBrowser)
	switch {
	case browser.missing != "" && os.Getenv("CI") == "true":
		t.Fatalf("browser tests cannot run in CI: %s", browser.missing)
	case browser.missing != "":
		t.Skipf("skipping browser test: %s", browser.missing)
	case browser.err != nil:
		t.Fatalf("browser: %v", browser.err)
	}
}

// startServer starts a whole Latchkey whose mailed links point at itself, once it is sure there
// is a browser to use it.
func startServer(t *testing.T, s apptest.Setup) *apptest.Env {
	t.Helper()
	requireBrowser(t)
	s.LinksToServer = true
	if s.Argon2 == (account.Argon2Params{}) {
		s.Argon2 = cheapArgon2
	}
	return apptest.Start(t, s)
}

// tab is one browser tab on one server. It records every console error, uncaught exception and
// browser log error (CSP violations among them) and fails the test with them at the end.
type tab struct {
	t   *testing.T
	ctx context.Context
	env *apptest.Env

	mu       sync.Mutex
	problems []string
	checked  map[string]bool // states axe-core has looked at (checkState)
}

// openTab opens a tab in a fresh browser context: to the pages, a browser of its own.
func openTab(t *testing.T, env *apptest.Env) *tab {
	t.Helper()
	requireBrowser(t)
	return startTab(t, env, browser.ctx, chromedp.WithNewBrowserContext())
}

// openTabBeside opens another tab in tb's browser context, which shares tb's storage as a second
// tab of one browser does.
func openTabBeside(tb *tab) *tab {
	tb.t.Helper()
	return startTab(tb.t, tb.env, tb.ctx)
}

func startTab(t *testing.T, env *apptest.Env, parent context.Context, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	tb := &tab{t: t, env: env}
	ctx, cancel := chromedp.NewContext(parent, append(opts, chromedp.WithListener(tb.record))...)
	tb.ctx = ctx
	t.Cleanup(func() {
		if !t.Failed() {
			// A round trip delivers every event sent before it to the listener.
			_, _ = run(tb, chromedp.Evaluate[chromedp.Void]("0"))
			for _, p := range tb.takeProblems() {
				t.Errorf("browser console: %s", p)
			}
		}
		cancel()
	})
	// The first run opens the tab and binds it to ctx, which must not be the step's.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return tb
}

func (tb *tab) record(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			problem = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = "uncaught exception: " + d.Text
		if d.Exception != nil {
			problem += " " + d.Exception.Description
		}
		if d.URL != "" {
			problem += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level == log.EntryLevelError || strings.Contains(e.Text, "Content Security Policy") {
			problem = fmt.Sprintf("%s %s: %s %s", e.Source, e.Level, e.Text, e.URL)
		}
	}
	if problem != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, problem)
		tb.mu.Unlock()
	}
}

func (tb *tab) takeProblems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	p := tb.problems
	tb.problems = nil
	return p
}

// requestCounter counts the GraphQL requests whose body names an operation field, such as
// "resetPassword(", as the server receives them.
type requestCounter struct {
	mu     sync.Mutex
	bodies []string
}

func (c *requestCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/graphql" && r.Body != nil {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
			if err == nil {
				c.mu.Lock()
				c.bodies = append(c.bodies, string(body))
				c.mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

func (c *requestCounter) count(field string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, b := range c.bodies {
		if strings.Contains(b, field+"(") {
			n++
		}
	}
	return n
}

// TestConsoleWatch shows that the console watch sees what it guards against: an inline script
// is refused by the Content-Security-Policy, and the refusal reaches the recorded problems.
func TestConsoleWatch(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	tb := openTab(t, env)
	tb.open("/login", "login-submit")
	if p := tb.takeProblems(); len(p) > 0 {
		t.Fatalf("a clean page reported problems: %q", p)
	}
	tb.do("inject an inline script", chromedp.Evaluate[chromedp.Void](
		`{ const s = document.createElement("script"); s.textContent = "window.inlineRan = true"; document.body.append(s); }`))
	if tb.eval(`String(window.inlineRan === true)`) == "true" {
		t.Fatal("an inline script ran despite the Content-Security-Policy")
	}
	deadline := time.After(stepTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, p := range tb.takeProblems() {
			if strings.Contains(p, "Content Security Policy") {
				return
			}
			t.Logf("other problem: %s", p)
		}
		select {
		case <-deadline:
			t.Fatal("the CSP violation never reached the console watch")
		case <-tick.C:
		}
	}
}
