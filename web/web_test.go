package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"latchkey/web"
)

const wantCSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'"

var pagePaths = []string{"/", "/login", "/register", "/forgot-password", "/reset-password", "/account", "/verify-email", "/confirm-email"}

func newHandler(tb testing.TB) http.Handler {
	tb.Helper()
	h, err := web.New("Acme <Keys> & Co", 12, 90*time.Second)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return h
}

func serve(tb testing.TB, h http.Handler, method, target string, header http.Header) *http.Response {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(tb testing.TB, res *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestNew(t *testing.T) {
	for name, tc := range map[string]struct {
		appName string
		min     int
		ok      bool
	}{
		"OK":               {"Latchkey", 8, true},
		"OKLongest":        {"Latchkey", web.PasswordMaxLength, true},
		"ErrEmptyName":     {" ", 8, false},
		"ErrZeroMinLength": {"Latchkey", 0, false},
		"ErrMinOverMax":    {"Latchkey", web.PasswordMaxLength + 1, false},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := web.New(tc.appName, tc.min, time.Minute)
			if tc.ok && (err != nil || h == nil) {
				t.Fatalf("New = %v, %v; want a handler", h, err)
			}
			if !tc.ok && err == nil {
				t.Fatal("New: want an error")
			}
		})
	}
}

func TestPages(t *testing.T) {
	h := newHandler(t)
	for _, p := range pagePaths {
		t.Run(p, func(t *testing.T) {
			res := serve(t, h, http.MethodGet, p, nil)
			body := readBody(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", res.StatusCode)
			}
			wantReferrer := "same-origin"
			if p == "/reset-password" || p == "/verify-email" || p == "/confirm-email" {
				wantReferrer = "no-referrer"
			}
			for k, want := range map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"Content-Security-Policy": wantCSP,
				"X-Content-Type-Options":  "nosniff",
				"Cache-Control":           "no-store",
				"Referrer-Policy":         wantReferrer,
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if !strings.Contains(body, "<title>") || !strings.Contains(body, "Acme &lt;Keys&gt; &amp; Co") {
				t.Error("app name not rendered (escaped) in the page")
			}
			if strings.Contains(body, "Acme <Keys>") || strings.Contains(body, "{{") {
				t.Error("page holds an unescaped app name or an unrendered action")
			}
		})
	}
}

func TestPasswordMinLengthRendered(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/register", "/reset-password", "/account"} {
		t.Run(p, func(t *testing.T) {
			body := readBody(t, serve(t, h, http.MethodGet, p, nil))
			for _, want := range []string{`data-min-length="12"`, `minlength="12"`, `data-max-length="128"`, "At least 12 characters"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
		})
	}
}

func TestHead(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{"/login", "/static/app.js"} {
		t.Run(p, func(t *testing.T) {
			get := serve(t, h, http.MethodGet, p, nil)
			head := serve(t, h, http.MethodHead, p, nil)
			if head.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", head.StatusCode)
			}
			if body := readBody(t, head); body != "" {
				t.Errorf("HEAD body has %d bytes", len(body))
			}
			if got, want := head.Header.Get("Content-Length"), get.Header.Get("Content-Length"); got == "" || got != want {
				t.Errorf("Content-Length = %q, want %q", got, want)
			}
			if head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
				t.Error("HEAD and GET differ in Content-Type")
			}
		})
	}
}

func TestAssets(t *testing.T) {
	h := newHandler(t)
	for p, want := range map[string]string{
		"/static/app.js":    "text/javascript; charset=utf-8",
		"/static/login.js":  "text/javascript; charset=utf-8",
		"/static/style.css": "text/css; charset=utf-8",
		"/static/icon.svg":  "image/svg+xml",
	} {
		t.Run(p, func(t *testing.T) {
			res := serve(t, h, http.MethodGet, p, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if readBody(t, res) == "" {
				t.Error("empty body")
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			again := serve(t, h, http.MethodGet, p, http.Header{"If-None-Match": {etag}})
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation status = %d, want 304", again.StatusCode)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{
		"/nope", "/login/", "/login.html", "/index.html", "/pages/login.html", "/static", "/static/",
		"/static/missing.js", "/static/../pages/login.html", "/static//app.js", "/web.go", "/graphql",
	} {
		t.Run(p, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path = p // NewRequest would clean some of these paths.
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status = %d, want 404", res.StatusCode)
			}
			for k, want := range map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"Content-Security-Policy": wantCSP,
				"X-Content-Type-Options":  "nosniff",
				"Cache-Control":           "no-store",
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if body := readBody(t, res); !strings.Contains(body, "<h1 id=\"title\">Page not found</h1>") {
				t.Errorf("the body is not the 404 page:\n%s", body)
			}
		})
	}
}

// TestNotFoundPage: the 404 page is one of ours, with what a screen reader needs to place it.
func TestNotFoundPage(t *testing.T) {
	tags := pageTags(t, "/no/such/page")
	for _, problem := range inlineCode(tags) {
		t.Error(problem)
	}
	found := map[string]tag{}
	for _, tg := range tags {
		if _, ok := found[tg.name]; !ok {
			found[tg.name] = tg
		}
	}
	if found["html"].attrs["lang"] != "en" {
		t.Errorf("<html> lang = %q, want en", found["html"].attrs["lang"])
	}
	for _, name := range []string{"title", "header", "main", "h1"} {
		if _, ok := found[name]; !ok {
			t.Errorf("the 404 page has no <%s>", name)
		}
	}
	if found["link"].attrs["href"] != "/static/icon.svg" {
		t.Error("the 404 page does not load the pages' icon and stylesheet")
	}
	if head := serve(t, newHandler(t), http.MethodHead, "/no/such/page", nil); head.StatusCode != http.StatusNotFound || readBody(t, head) != "" {
		t.Errorf("HEAD of an unknown path = %d with a body", head.StatusCode)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := newHandler(t)
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		for _, p := range []string{"/login", "/static/app.js"} {
			t.Run(method+p, func(t *testing.T) {
				res := serve(t, h, method, p, nil)
				if res.StatusCode != http.StatusMethodNotAllowed {
					t.Fatalf("status = %d, want 405", res.StatusCode)
				}
				if got := res.Header.Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q", got)
				}
				if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options = %q", got)
				}
			})
		}
	}
}
