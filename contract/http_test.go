package contract_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// contractCodes are the only extensions.code values a client may ever see.
var contractCodes = map[string]bool{
	"BAD_USER_INPUT": true, "UNAUTHENTICATED": true, "INVALID_RESET_TOKEN": true,
	"RATE_LIMITED": true, "INTERNAL_SERVER_ERROR": true,
	"INVALID_VERIFICATION_TOKEN": true,
}

// sendRaw sends method target with header and body (nil for none) to env's server.
func sendRaw(tb testing.TB, env *apptest.Env, method, target string, header http.Header, body io.Reader) *apptest.Response {
	tb.Helper()
	req, err := http.NewRequest(method, env.URL()+target, body)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return env.Do(tb, req)
}

// postJSON posts body as application/json to /graphql, with extra headers.
func postJSON(tb testing.TB, env *apptest.Env, body string, header http.Header) *apptest.Response {
	tb.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range header {
		h[k] = v
	}
	return sendRaw(tb, env, http.MethodPost, "/graphql", h, strings.NewReader(body))
}

// getQuery sends a GraphQL GET request with the given query string parameters.
func getQuery(tb testing.TB, env *apptest.Env, params url.Values, header http.Header) *apptest.Response {
	tb.Helper()
	return sendRaw(tb, env, http.MethodGet, "/graphql?"+params.Encode(), header, nil)
}

// operation encodes a GraphQL request body.
func operation(tb testing.TB, query string, vars map[string]any) string {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// wantRefused checks that r is a GraphQL error response with HTTP status and that every error
// carries code.
func wantRefused(tb testing.TB, r *apptest.Response, status int, code string) {
	tb.Helper()
	if r.Status != status {
		tb.Errorf("HTTP status = %d, want %d: %s", r.Status, status, r.Body)
	}
	wantCodes(tb, r, code)
}

// wantCodes checks r has errors and that each carries code.
func wantCodes(tb testing.TB, r *apptest.Response, code string) {
	tb.Helper()
	if len(r.Errors) == 0 {
		tb.Fatalf("want a %s error, got HTTP %d: %s", code, r.Status, r.Body)
	}
	for _, e := range r.Errors {
		if got := e.Extensions["code"]; got != code {
			tb.Errorf("extensions.code = %v, want %s: %s", got, code, r.Body)
		}
	}
}

func wantContentType(tb testing.TB, r *apptest.Response, want string) {
	tb.Helper()
	if got := r.Header.Get("Content-Type"); got != want {
		tb.Errorf("Content-Type = %q, want %q", got, want)
	}
}

const (
	typeJSON            = "application/json; charset=utf-8"
	typeGraphQLResponse = "application/graphql-response+json; charset=utf-8"
)

func TestGraphQLOverHTTP(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	bearer := http.Header{"Authorization": {"Bearer " + s.AccessToken}}
	wantsGraphQLResponse := http.Header{"Accept": {"application/graphql-response+json, application/json;q=0.9"}}

	t.Run("JSONWithoutAccept", func(t *testing.T) {
		r := postJSON(t, env, `{"query":"{__typename}"}`, nil)
		if r.Status != http.StatusOK || string(r.Data["__typename"]) != `"Query"` {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
		wantContentType(t, r, typeJSON)
	})

	t.Run("JSONWhenAsked", func(t *testing.T) {
		r := postJSON(t, env, `{"query":"{__typename}"}`, http.Header{"Accept": {"application/json"}})
		wantContentType(t, r, typeJSON)
	})

	t.Run("GraphQLResponseJSONWhenAsked", func(t *testing.T) {
		r := postJSON(t, env, `{"query":"{__typename}"}`, wantsGraphQLResponse)
		if r.Status != http.StatusOK || string(r.Data["__typename"]) != `"Query"` {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
		wantContentType(t, r, typeGraphQLResponse)
	})

	for name, query := range map[string]string{
		"ParseError400":      `{me{id`,
		"ValidationError400": `{me{password}}`,
		"MissingVariable400": apptest.ForgotMutation,
	} {
		t.Run(name, func(t *testing.T) {
			r := postJSON(t, env, operation(t, query, nil), wantsGraphQLResponse)
			wantRefused(t, r, http.StatusBadRequest, "BAD_USER_INPUT")
			wantContentType(t, r, typeGraphQLResponse)
			if _, ok := r.Data["me"]; ok || strings.Contains(string(r.Body), `"data"`) {
				t.Errorf("a request refused before execution has a data entry: %s", r.Body)
			}
		})
	}

	t.Run("ValidationError200InJSONMode", func(t *testing.T) {
		r := postJSON(t, env, operation(t, `{me{password}}`, nil), nil)
		wantRefused(t, r, http.StatusOK, "BAD_USER_INPUT")
		wantContentType(t, r, typeJSON)
	})

	t.Run("ResolverErrorIs200", func(t *testing.T) {
		r := postJSON(t, env, operation(t, apptest.MeQuery, nil), wantsGraphQLResponse)
		wantRefused(t, r, http.StatusOK, "UNAUTHENTICATED")
	})

	t.Run("GETQuery", func(t *testing.T) {
		r := getQuery(t, env, url.Values{"query": {apptest.MeQuery}}, bearer)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
		var me struct{ Email string }
		r.Decode(t, "me", &me)
		if me.Email != "alice@example.com" {
			t.Errorf("me.email = %q", me.Email)
		}
	})

	t.Run("GETWithVariablesAndOperationName", func(t *testing.T) {
		r := getQuery(t, env, url.Values{
			"query":         {`query Other{__typename} query Type($n:String!){__type(name:$n){name}}`},
			"variables":     {`{"n":"User"}`},
			"operationName": {"Type"},
		}, nil)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
		var ty struct{ Name string }
		r.Decode(t, "__type", &ty)
		if ty.Name != "User" {
			t.Errorf("__type.name = %q, want User", ty.Name)
		}
	})

	t.Run("ErrGETBadVariables", func(t *testing.T) {
		r := getQuery(t, env, url.Values{"query": {apptest.CheckQuery}, "variables": {`["t"]`}}, nil)
		wantRefused(t, r, http.StatusBadRequest, "BAD_USER_INPUT")
	})

	t.Run("ErrGETWithoutQuery", func(t *testing.T) {
		r := getQuery(t, env, url.Values{}, nil)
		wantRefused(t, r, http.StatusBadRequest, "BAD_USER_INPUT")
	})

	t.Run("ResponsesAreNotCached", func(t *testing.T) {
		r := getQuery(t, env, url.Values{"query": {apptest.MeQuery}}, bearer)
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
	})
}
