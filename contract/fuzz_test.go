package contract_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// FuzzGraphQLBody posts arbitrary bytes as a JSON body to the whole server, in process, on a
// real SQLite database. Whatever arrives, the answer is a GraphQL response, never a 5xx or a
// panic, and every error in it carries a contract code other than INTERNAL_SERVER_ERROR: with a
// healthy database, nothing a client sends is the server's fault.
func FuzzGraphQLBody(f *testing.F) {
	env := apptest.Start(f, apptest.Setup{NoWorker: true, Argon2: cheapArgon2})
	token := env.Register(f, "fuzz", "fuzz@example.com", "a-fine-password-1").AccessToken
	for _, q := range []string{apptest.MeQuery, apptest.CheckQuery, apptest.LoginMutation, apptest.ForgotMutation} {
		f.Add([]byte(operation(f, q, map[string]any{"t": "x", "e": "fuzz@example.com", "p": "a-fine-password-1"})))
	}
	handler := env.App.Handler

	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)

		if rec.Code >= 500 {
			t.Fatalf("HTTP %d for %q: %s", rec.Code, body, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type = %q for %q", ct, body)
		}
		var resp struct {
			Data   json.RawMessage `json:"data"`
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("response to %q is not JSON: %v: %s", body, err, rec.Body)
		}
		if resp.Data == nil && len(resp.Errors) == 0 {
			t.Fatalf("response to %q has neither data nor errors: %s", body, rec.Body)
		}
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			if !contractCodes[code] || code == "INTERNAL_SERVER_ERROR" {
				t.Fatalf("error code %q for %q: %s", code, body, rec.Body)
			}
		}
		if rec.Code != http.StatusOK && len(resp.Errors) == 0 {
			t.Fatalf("HTTP %d without an error for %q", rec.Code, body)
		}
	})
}
