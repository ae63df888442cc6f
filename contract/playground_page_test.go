package contract_test

import (
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// playgroundPage fetches /playground, which answers at once, with no redirect, and the
// page's own script.
func playgroundPage(tb testing.TB) (csp, body, script string) {
	tb.Helper()
	env := apptest.Start(tb, apptest.Setup{})
	res := fetch(tb, env, sample{"Playground", http.MethodGet, "/playground", "", "", http.StatusOK}, nil)
	r := sendRaw(tb, env, http.MethodGet, "/playground", nil, nil)
	js := sendRaw(tb, env, http.MethodGet, "/playground/playground.js", nil, nil)
	if js.Status != http.StatusOK {
		tb.Fatalf("/playground/playground.js = %d", js.Status)
	}
	return res.Header.Get("Content-Security-Policy"), string(r.Body), string(js.Body)
}

// TestPlaygroundPolicyTrustsOnlyItself: the page runs scripts of its own origin only, loads
// nothing from another host, and every file it names is served by the binary.
func TestPlaygroundPolicyTrustsOnlyItself(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	page := sendRaw(t, env, http.MethodGet, "/playground", nil, nil)
	csp := page.Header.Get("Content-Security-Policy")
	allowed := map[string]string{
		"default-src": "'none'", "script-src": "'self'", "connect-src": "'self'",
		"font-src": "'self' data:", "img-src": "'self' data:",
	}
	for d, want := range allowed {
		if got, _ := cspDirective(csp, d); got != want {
			t.Errorf("%s = %q, want %q", d, got, want)
		}
	}
	// Styles: the origin's files and the <style> elements GraphiQL marks with this response's
	// nonce, which the page hands it; a new one every time.
	nonce := regexp.MustCompile(`data-style-nonce="([A-Za-z0-9_-]{22,})"`).FindSubmatch(page.Body)
	if nonce == nil {
		t.Fatalf("the page hands GraphiQL no style nonce:\n%s", page.Body)
	}
	if got, _ := cspDirective(csp, "style-src"); got != "'self' 'nonce-"+string(nonce[1])+"'" {
		t.Errorf("style-src = %q, want 'self' and the page's nonce %s", got, nonce[1])
	}
	if again := sendRaw(t, env, http.MethodGet, "/playground", nil, nil); strings.Contains(string(again.Body), string(nonce[1])) {
		t.Error("two responses carry the same style nonce")
	}
	assets := regexp.MustCompile(`<(script|link)\b[^>]*?(?:src|href)="([^"]+)"[^>]*>`).FindAllStringSubmatch(string(page.Body), -1)
	if len(assets) < 5 {
		t.Fatalf("the page loads %d files, want React, ReactDOM, GraphiQL, its stylesheet and the page's own:\n%s", len(assets), page.Body)
	}
	for _, a := range assets {
		src := html.UnescapeString(a[2])
		if !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") {
			t.Errorf("%s %q is not a file of this server", a[1], src)
			continue
		}
		if r := sendRaw(t, env, http.MethodGet, src, nil, nil); r.Status != http.StatusOK || len(r.Body) == 0 {
			t.Errorf("%s = %d with %d bytes, want the file", src, r.Status, len(r.Body))
		}
	}
	if regexp.MustCompile(`(?s)<script>|<script\s+type="[^"]*"\s*>|\son[a-z]+=|\sstyle=`).Match(page.Body) {
		t.Errorf("the page has an inline script, handler or style:\n%s", page.Body)
	}
}

// TestPlaygroundShipsItsLicences: GraphiQL and React are MIT-licensed; their notices travel
// with the copies the binary serves.
func TestPlaygroundShipsItsLicences(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	for _, pkg := range []string{"graphiql", "react", "react-dom"} {
		r := sendRaw(t, env, http.MethodGet, "/playground/npm/"+pkg+"/LICENSE", nil, nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "MIT License") {
			t.Errorf("%s's LICENSE = %d %.60q, want its MIT licence", pkg, r.Status, r.Body)
		}
	}
}

func TestPlaygroundDisabled(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"Off": {"PLAYGROUND_ENABLED": "false"},
		"Production": {"APP_ENV": "production", "MAIL_SERVER": "127.0.0.1", "FRONTEND_URL": "https://accounts.example.test",
			"SECRET_KEY": "contract-only:4vQm9TzL0pXr7Jc2Wn8HbYk5Fs3Dg6Ae"},
	} {
		t.Run(name, func(t *testing.T) {
			e := apptest.Start(t, apptest.Setup{Env: env})
			unknown := sendRaw(t, e, http.MethodGet, "/no/such/page", nil, nil)
			for _, path := range []string{"/playground", "/playground/playground.js", "/playground/npm/graphiql/graphiql.min.js"} {
				r := sendRaw(t, e, http.MethodGet, path, nil, nil)
				if r.Status != http.StatusNotFound || string(r.Body) != string(unknown.Body) {
					t.Errorf("%s = %d, want the 404 of any unknown path", path, r.Status)
				}
			}
		})
	}
}

func TestPlaygroundNeverPersistsHeaders(t *testing.T) {
	_, page, script := playgroundPage(t)
	body := page + script
	t.Run("PersistenceOff", func(t *testing.T) {
		if !strings.Contains(body, "shouldPersistHeaders: false") || strings.Contains(body, "shouldPersistHeaders: true") {
			t.Error("the page does not turn GraphiQL's header persistence off")
		}
	})
	t.Run("NoURLState", func(t *testing.T) {
		for _, s := range []string{"replaceState", "pushState", "location.search", "onEditHeaders", "URLSearchParams"} {
			if strings.Contains(body, s) {
				t.Errorf("the page syncs its state with the URL (%s)", s)
			}
		}
	})
	t.Run("ExampleAndHeaderTemplate", func(t *testing.T) {
		for _, s := range []string{"mutation Register(", "query Me {", "Bearer paste-the-accessToken-here"} {
			if !strings.Contains(body, s) {
				t.Errorf("the page lacks %q", s)
			}
		}
	})
	t.Run("StorageDropsHeaders", func(t *testing.T) {
		node, err := exec.LookPath("node")
		if err != nil {
			t.Skip("node is not installed: the page's storage is checked by the assertions above only")
		}
		path := filepath.Join(t.TempDir(), "page.js")
		if err := os.WriteFile(path, []byte(graphiqlStub+script+graphiqlDrive), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(node, path).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "ok" {
			t.Fatalf("the page's storage kept headers: %v\n%s", err, out)
		}
	})
}

// graphiqlStub stands in for the browser, React and GraphiQL; graphiqlDrive then writes what
// GraphiQL writes (a headers key, tabs holding headers) through the storage the page gave it.
const graphiqlStub = `
const saved = new Map([["graphiql:headers", "{\"Authorization\": \"Bearer old\"}"],
  ["graphiql:tabState", JSON.stringify({tabs: [{id: "1", query: "{me{id}}", headers: "{\"Authorization\": \"Bearer old\"}"}], activeTabIndex: 0})]]);
const localStorage = new Proxy({
  getItem: (k) => (saved.has(k) ? saved.get(k) : null), setItem: (k, v) => saved.set(k, String(v)),
  removeItem: (k) => saved.delete(k), key: (i) => [...saved.keys()][i] ?? null, get length() { return saved.size; },
}, { ownKeys: () => [...saved.keys()], getOwnPropertyDescriptor: (t, k) => ({ enumerable: true, configurable: true, value: saved.get(k) }) });
const location = { origin: "http://127.0.0.1:8000" };
const document = { getElementById: () => ({ dataset: { document: "{me{id}}", headers: "{}" } }) };
let props;
const React = { createElement: (c, p) => { props = p; } };
const ReactDOM = { createRoot: () => ({ render() {} }) };
const GraphiQL = { createFetcher: () => () => {} };
`

const graphiqlDrive = `
const fail = (msg) => { console.log(msg); process.exit(1); };
if (props.shouldPersistHeaders !== false) fail("shouldPersistHeaders is not false");
if (!props.storage) fail("GraphiQL keeps its own storage");
props.storage.setItem("graphiql:headers", "{\"Authorization\": \"Bearer new\"}");
props.storage.setItem("graphiql:tabState", JSON.stringify({tabs: [{id: "2", query: "{me{id}}", headers: "{\"Authorization\": \"Bearer new\"}"}], activeTabIndex: 0}));
props.storage.setItem("graphiql:query", "{me{id}}");
const all = JSON.stringify([...saved.entries()]);
if (all.includes("Bearer")) fail("a token is stored: " + all);
if (props.storage.getItem("graphiql:query") !== "{me{id}}") fail("the query is not kept");
console.log("ok");
`
