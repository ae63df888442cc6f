package contract_test

import (
	"net/http"
	"strings"
	"testing"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

// sample is one kind of response, as a browser would come across it.
type sample struct {
	name, method, target, contentType, body string
	status                                  int
}

var samples = []sample{
	{"GraphQL", http.MethodPost, "/graphql", "application/json", `{"query":"{__typename}"}`, http.StatusOK},
	{"GraphQLGET", http.MethodGet, "/graphql?query=%7B__typename%7D", "", "", http.StatusOK},
	{"GraphQL405", http.MethodPut, "/graphql", "application/json", `{"query":"{__typename}"}`, http.StatusMethodNotAllowed},
	{"GraphQL413", http.MethodPost, "/graphql", "application/json", strings.Repeat(" ", 1<<20+1), http.StatusRequestEntityTooLarge},
	{"GraphQL415", http.MethodPost, "/graphql", "text/plain", `{"query":"{__typename}"}`, http.StatusUnsupportedMediaType},
	{"Healthz", http.MethodGet, "/healthz", "", "", http.StatusOK},
	{"Healthz404", http.MethodPost, "/healthz", "text/plain", "", http.StatusNotFound},
	{"Readyz", http.MethodGet, "/readyz", "", "", http.StatusOK},
	{"Page", http.MethodGet, "/login", "", "", http.StatusOK},
	{"ResetPage", http.MethodGet, "/reset-password?token=x", "", "", http.StatusOK},
	{"ConfirmEmailPage", http.MethodGet, "/confirm-email", "", "", http.StatusOK},
	{"Page405", http.MethodPost, "/login", "application/x-www-form-urlencoded", "a=b", http.StatusMethodNotAllowed},
	{"Asset", http.MethodGet, "/static/app.js", "", "", http.StatusOK},
	{"NotFound", http.MethodGet, "/no/such/page", "", "", http.StatusNotFound},
	{"Playground", http.MethodGet, "/playground", "", "", http.StatusOK},
	{"PlaygroundAsset", http.MethodGet, "/playground/npm/graphiql/graphiql.min.js", "", "", http.StatusOK},
}

// fetch sends s without following redirects.
func fetch(tb testing.TB, env *apptest.Env, s sample, header http.Header) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(s.method, env.URL()+s.target, strings.NewReader(s.body))
	if err != nil {
		tb.Fatal(err)
	}
	if s.contentType != "" {
		req.Header.Set("Content-Type", s.contentType)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := *env.HTTP.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", s.method, s.target, err)
	}
	res.Body.Close()
	if res.StatusCode != s.status {
		tb.Fatalf("%s %s: HTTP %d, want %d", s.method, s.target, res.StatusCode, s.status)
	}
	return res
}

// cspDirective returns the value of directive in policy, and whether it is there.
func cspDirective(policy, directive string) (string, bool) {
	for d := range strings.SplitSeq(policy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		if name == directive {
			return value, true
		}
	}
	return "", false
}

func TestSecurityHeaders(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"FRONTEND_URL": "http://localhost:8000"}})
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			res := fetch(t, env, s, nil)
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := res.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("Strict-Transport-Security = %q on an http FRONTEND_URL", got)
			}
			csp := res.Header.Get("Content-Security-Policy")
			if fa, _ := cspDirective(csp, "frame-ancestors"); fa != "'none'" {
				t.Errorf("frame-ancestors = %q in %q, want 'none'", fa, csp)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				return
			}
			script, ok := cspDirective(csp, "script-src")
			if !ok {
				script, ok = cspDirective(csp, "default-src")
			}
			if !ok || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") || strings.Contains(script, "*") {
				t.Errorf("HTML page's scripts are not locked down: %q", csp)
			}
			for _, d := range []string{"base-uri", "object-src"} {
				if v, ok := cspDirective(csp, d); ok && v != "'none'" {
					t.Errorf("%s = %q, want 'none'", d, v)
				}
			}
		})
	}
}

func TestStrictTransportSecurity(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"FRONTEND_URL": "https://accounts.example.test"}})
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			hsts := fetch(t, env, s, nil).Header.Get("Strict-Transport-Security")
			if !strings.HasPrefix(hsts, "max-age=") || strings.HasPrefix(hsts, "max-age=0") {
				t.Errorf("Strict-Transport-Security = %q, want a max-age", hsts)
			}
		})
	}
}

// A reset link must point at FRONTEND_URL whatever Host the request claimed, or an attacker
// could have the server mail a victim a link to the attacker's site carrying a live token.
func TestForgedHostNeverReachesMail(t *testing.T) {
	const frontend = "https://accounts.example.test"
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"FRONTEND_URL": frontend}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")

	req, err := http.NewRequest(http.MethodPost, env.URL()+"/graphql",
		strings.NewReader(operation(t, apptest.ForgotMutation, map[string]any{"e": "alice@example.com"})))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("X-Forwarded-Proto", "http")
	req.Header.Set("Forwarded", "host=evil.example;proto=http")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Referer", "https://evil.example/reset")
	wantOK(t, env.Do(t, req))

	m := env.SMTP.Wait(t, 1, mailWait)[0]
	if m.Parsed == nil {
		t.Fatalf("mail is not MIME: %v", m.ParseError)
	}
	for part, body := range map[string]string{"text": m.Parsed.Text, "html": m.Parsed.HTML} {
		if _, ok := emailtest.FindLink(body, frontend+"/reset-password#token="); !ok {
			t.Errorf("%s part has no link under %s:\n%s", part, frontend, body)
		}
	}
	if strings.Contains(string(m.Data), "evil.example") {
		t.Error("the mail mentions the forged host")
	}
}

func TestReadinessFollowsDatabase(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	if r := sendRaw(t, env, http.MethodGet, "/readyz", nil, nil); r.Status != http.StatusOK {
		t.Fatalf("/readyz = %d before the database closed", r.Status)
	}
	if err := env.App.DB.Close(); err != nil {
		t.Fatal(err)
	}
	r := waitReadyz(t, env, http.StatusServiceUnavailable)
	if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	if r := sendRaw(t, env, http.MethodGet, "/healthz", nil, nil); r.Status != http.StatusOK {
		t.Errorf("/healthz = %d: the process still lives", r.Status)
	}
	r = env.Query(t, "", apptest.ForgotMutation, map[string]any{"e": "alice@example.com"})
	wantCodes(t, r, "INTERNAL_SERVER_ERROR")
	if r.Errors[0].Message != "Internal server error" {
		t.Errorf("message = %q", r.Errors[0].Message)
	}
}
