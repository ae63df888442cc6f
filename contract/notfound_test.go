package contract_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// TestNotFound: an unknown path is a page for people; below /graphql, and on /graphql itself,
// an error stays JSON in GraphQL's shape for the client that sent it.
func TestNotFound(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	t.Run("Page", func(t *testing.T) {
		r := sendRaw(t, env, http.MethodGet, "/no/such/page", nil, nil)
		if r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET /no/such/page = %d %s, want a 404 page", r.Status, r.Header.Get("Content-Type"))
		}
		for _, want := range []string{`<html lang="en">`, "<title>Page not found · ", "<main", `href="/static/style.css"`} {
			if !strings.Contains(string(r.Body), want) {
				t.Errorf("the 404 page lacks %s", want)
			}
		}
	})
	for _, tc := range []struct {
		name, method, target, contentType string
		status                            int
	}{
		{"BelowGraphQL", http.MethodPost, "/graphql/", "application/json", http.StatusNotFound},
		{"BelowGraphQLGET", http.MethodGet, "/graphql/v1?query=%7B__typename%7D", "", http.StatusNotFound},
		{"GraphQLMethod", http.MethodPut, "/graphql", "application/json", http.StatusMethodNotAllowed},
		{"GraphQLMediaType", http.MethodPost, "/graphql", "text/plain", http.StatusUnsupportedMediaType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.contentType != "" {
				h.Set("Content-Type", tc.contentType)
			}
			r := sendRaw(t, env, tc.method, tc.target, h, strings.NewReader(`{"query":"{__typename}"}`))
			var body struct {
				Errors []struct {
					Message    string
					Extensions struct{ Code string }
				}
			}
			if r.Status != tc.status || json.Unmarshal(r.Body, &body) != nil || len(body.Errors) != 1 || body.Errors[0].Extensions.Code == "" {
				t.Fatalf("%s %s = %d %q, want %d with one GraphQL error", tc.method, tc.target, r.Status, r.Body, tc.status)
			}
		})
	}
}
