package server_test

import (
	"net/http"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

func TestCORS(t *testing.T) {
	const app = "https://app.example.com"
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"CORS_ALLOWED_ORIGINS": app}})
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, env.URL()+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type") // as browsers send it
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	post := func(origin string) *apptest.Response {
		req, _ := http.NewRequest(http.MethodPost, env.URL()+"/graphql", strings.NewReader(`{"query":"{__typename}"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		return env.Do(t, req)
	}

	t.Run("AllowedOriginPreflight", func(t *testing.T) {
		resp := preflight(app)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != app {
			t.Errorf("Allow-Origin = %q, want %q", got, app)
		}
		if resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Error("credentials not allowed for the configured origin")
		}
		if h := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(h, "authorization") {
			t.Errorf("Allow-Headers = %q, want authorization in it", h)
		}
	})
	t.Run("AllowedOriginRequest", func(t *testing.T) {
		r := post(app)
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != app {
			t.Errorf("Allow-Origin = %q, want %q", got, app)
		}
	})
	t.Run("OtherOriginGetsNothing", func(t *testing.T) {
		for _, origin := range []string{"https://evil.example", "https://app.example.com.evil.example", "null"} {
			if got := preflight(origin).Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("preflight from %s: Allow-Origin = %q", origin, got)
			}
			if got := post(origin).Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("request from %s: Allow-Origin = %q", origin, got)
			}
		}
	})
	t.Run("NoneConfiguredNoneAllowed", func(t *testing.T) {
		plain := apptest.Start(t, apptest.Setup{})
		req, _ := http.NewRequest(http.MethodPost, plain.URL()+"/graphql", strings.NewReader(`{"query":"{__typename}"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", app)
		if got := plain.Do(t, req).Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("Allow-Origin = %q with no CORS_ALLOWED_ORIGINS", got)
		}
	})
}
