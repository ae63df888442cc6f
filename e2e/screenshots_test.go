package e2e_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"latchkey/app/apptest"
)

// screenshotDir is where the README's screenshots live, from this package's folder.
const screenshotDir = "../docs/screenshots"

type viewport struct {
	name          string
	width, height int64
	opts          []chromedp.EmulateViewportOption
}

var viewports = []viewport{
	{"desktop", 1280, 800, nil},
	{"phone", 375, 812, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)}},
}

// TestScreenshots saves every page at desktop and phone width under docs/screenshots, and checks
// on the way that no page scrolls sideways and none logs an error. The server's clock, the time
// zone, the locale and the media features are pinned so that the images are the same every run.
func TestScreenshots(t *testing.T) {
	env := startServer(t, apptest.Setup{})
	now := time.Now().UTC()
	env.Clock.Advance(time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, time.UTC).Sub(now))
	link := mailedLink(t, env, "ada@example.com")
	env.SignUp(t, "kim", "kim@example.com", "kim's long password")
	verify := verifyLink(t, env, 2, "kim@example.com")
	change := emailChangeLink(t, env, "ada@example.com", "an old long password", "ada@new.example")

	tb := openTab(t, env)
	tb.pin("en-US")

	pages := []struct {
		name  string
		open  func()
		ready string // an element that shows the page is ready
	}{
		{"home", func() { tb.open("/", "") }, "sign-in-link"},
		{"register", func() { tb.open("/register", "register-submit") }, "register-submit"},
		{"register-sent", func() {
			tb.open("/register", "register-submit")
			tb.fill("username", "mei")
			tb.fill("email", "mei@example.com")
			tb.fill("password", "mei's long password")
			tb.click("register-submit")
			tb.wantText("signup-message", "Check your inbox")
		}, "signup-edit"},
		{"verify-email", func() { tb.do("open the link", chromedp.Navigate(verify)) }, "verify-submit"},
		{"login", func() { tb.open("/login", "login-submit") }, "login-submit"},
		{"forgot-password", func() { tb.open("/forgot-password", "forgot-submit") }, "forgot-submit"},
		{"reset-password", func() { tb.do("open the link", chromedp.Navigate(link)) }, "reset-submit"},
		{"confirm-email", func() { tb.do("open the link", chromedp.Navigate(change)) }, "confirm-submit"},
		{"account", func() {
			tb.open("/account", "change-submit")
			tb.wantText("verify-state", "is not verified yet")
		}, "change-submit"},
	}
	for _, vp := range viewports {
		tb.do("set the viewport", chromedp.EmulateViewport(vp.width, vp.height, vp.opts...))
		if vp.name != viewports[0].name {
			tb.signOut()
		}
		for _, p := range pages {
			if p.name == "account" {
				tb.signIn("ada@example.com", "an old long password")
			}
			p.open()
			tb.waitEnabled(p.ready)
			if tb.eval(`String(document.documentElement.scrollWidth > innerWidth)`) == "true" {
				t.Errorf("%s scrolls sideways at %s width", p.name, vp.name)
			}
			tb.shoot(p.name + "-" + vp.name)
		}
	}
}

// pin fixes what would make one run's images differ from the next: the time zone, the locale
// (a BCP 47 tag) of dates and numbers, motion and the colour scheme.
func (tb *tab) pin(locale string) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "UTC"}); err != nil {
		tb.t.Fatalf("time zone: %v", err)
	}
	if _, err := chromedp.Call(tb.ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: locale}); err != nil {
		tb.t.Fatalf("locale: %v", err)
	}
	// No transitions half-way through, and the light scheme whatever the machine prefers.
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{
		{Name: "prefers-reduced-motion", Value: "reduce"},
		{Name: "prefers-color-scheme", Value: "light"},
	}}); err != nil {
		tb.t.Fatalf("media features: %v", err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
}

// shoot saves the page as it is now as docs/screenshots/NAME.png, caret hidden.
func (tb *tab) shoot(name string) {
	tb.t.Helper()
	// A blinking caret would make every run's image differ.
	tb.do("hide the caret", chromedp.Evaluate[chromedp.Void](
		`for (const input of document.querySelectorAll("input")) input.style.caretColor = "transparent"`))
	save(tb.t, filepath.Join(screenshotDir, name+".png"), must(tb, "screenshot of "+name, chromedp.FullScreenshot(100)))
}

// save writes an image unless the file holds it already, so an unchanged page leaves the file be.
func save(t *testing.T, path string, b []byte) {
	t.Helper()
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
