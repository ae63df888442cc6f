package contract_test

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// playgroundPage fetches /playground, which answers at once, with no redirect.
func playgroundPage(tb testing.TB) (csp, body string) {
	tb.Helper()
	env := apptest.Start(tb, apptest.Setup{})
	res := fetch(tb, env, sample{"Playground", http.MethodGet, "/playground", "", "", http.StatusOK}, nil)
	r := sendRaw(tb, env, http.MethodGet, "/playground", nil, nil)
	return res.Header.Get("Content-Security-Policy"), string(r.Body)
}

func TestPlaygroundPolicyNamesExactAssets(t *testing.T) {
	csp, body := playgroundPage(t)
	for _, d := range []string{"script-src", "style-src", "font-src", "img-src", "connect-src", "default-src"} {
		value, _ := cspDirective(csp, d)
		for _, src := range strings.Fields(value) {
			if strings.HasPrefix(src, "'") || src == "data:" {
				continue
			}
			u, err := url.Parse(src)
			if err != nil || u.Scheme != "https" || u.Path == "" || strings.HasSuffix(u.Path, "/") {
				t.Errorf("%s trusts %q, not one exact https file", d, src)
			}
		}
	}
	assets := regexp.MustCompile(`<(script|link)\b[^>]*?(?:src|href)="([^"]+)"[^>]*>`).FindAllStringSubmatch(body, -1)
	if len(assets) < 2 {
		t.Fatalf("the page loads %d assets, want GraphiQL's scripts and stylesheet:\n%s", len(assets), body)
	}
	for _, a := range assets {
		a[0], a[2] = html.UnescapeString(a[0]), html.UnescapeString(a[2])
		directive := map[string]string{"script": "script-src", "link": "style-src"}[a[1]]
		if list, _ := cspDirective(csp, directive); !strings.Contains(" "+list+" ", " "+a[2]+" ") {
			t.Errorf("%s %q is not listed in %s: %q", a[1], a[2], directive, list)
		}
		if !regexp.MustCompile(`integrity="sha(256|384|512)-[A-Za-z0-9+/]+=*"`).MatchString(a[0]) || !strings.Contains(a[0], `crossorigin="anonymous"`) {
			t.Errorf("%s has no SRI integrity: %s", a[2], a[0])
		}
	}
}

func TestPlaygroundNeverPersistsHeaders(t *testing.T) {
	_, body := playgroundPage(t)
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
		script := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindStringSubmatch(body)
		if script == nil {
			t.Fatal("no inline script")
		}
		path := filepath.Join(t.TempDir(), "page.js")
		if err := os.WriteFile(path, []byte(graphiqlStub+script[1]+graphiqlDrive), 0o600); err != nil {
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
const document = { getElementById: () => ({}) };
let props;
const React = { createElement: (c, p) => { props = p; } };
const ReactDOM = { render() {} };
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
