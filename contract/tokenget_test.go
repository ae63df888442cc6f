package contract_test

import (
	"net/http"
	"net/url"
	"testing"

	"latchkey/app/apptest"
)

// TestTokenOperationsOnlyOverPOST: an operation that carries a secret token is refused over GET
// like a mutation, however the query spells it, and never runs.
func TestTokenOperationsOnlyOverPOST(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{
		"RATE_LIMIT_ENABLED":                      "true",
		"RATE_LIMIT_CHECK_RESET_TOKEN_PER_MINUTE": "1",
	}})
	for name, params := range map[string]url.Values{
		"ErrVariable":       {"query": {apptest.CheckQuery}, "variables": {`{"t":"secret-token"}`}},
		"ErrLiteral":        {"query": {`{checkResetToken(token:"secret-token"){valid}}`}},
		"ErrAliased":        {"query": {`{c:checkResetToken(token:"secret-token"){valid}}`}},
		"ErrInFragment":     {"query": {`query{...F} fragment F on Query{checkResetToken(token:"secret-token"){valid}}`}},
		"ErrInlineFragment": {"query": {`query{... on Query{checkResetToken(token:"secret-token"){valid}}}`}},
		"ErrChosenByName": {
			"query":         {`query Other{__typename} query Check($t:String!){checkResetToken(token:$t){valid}}`},
			"variables":     {`{"t":"secret-token"}`},
			"operationName": {"Check"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := getQuery(t, env, params, nil)
			wantRefused(t, r, http.StatusMethodNotAllowed, "BAD_USER_INPUT")
			if got := r.Header.Get("Allow"); got != "POST" {
				t.Errorf("Allow = %q, want POST", got)
			}
			if r.Data != nil {
				t.Errorf("data in a refused response: %s", r.Body)
			}
		})
	}
	t.Run("OKOverPOSTWithAllowanceUnspent", func(t *testing.T) {
		if c := checkToken(t, env, "secret-token"); c.Valid {
			t.Error("a made-up token is valid")
		}
	})
	t.Run("OKQueryWithoutTokenOverGET", func(t *testing.T) {
		r := getQuery(t, env, url.Values{"query": {`{__typename}`}}, nil)
		wantOK(t, r)
	})
}

// TestCheckResetTokenOwnAllowance: checking tokens spends checkResetToken's allowance only, so
// that it cannot use up the client's resets.
func TestCheckResetTokenOwnAllowance(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{
		"RATE_LIMIT_ENABLED":                      "true",
		"RATE_LIMIT_CHECK_RESET_TOKEN_PER_MINUTE": "3",
		"RATE_LIMIT_RESET_PASSWORD_PER_MINUTE":    "2",
	}})
	for range 3 {
		checkToken(t, env, "made-up-token")
	}
	wantRateLimited(t, env.Query(t, "", apptest.CheckQuery, map[string]any{"t": "made-up-token"}))
	for range 2 {
		wantError(t, reset(t, env, "made-up-token", "a-new-password-1"), "INVALID_RESET_TOKEN", "", "Invalid or expired reset token")
	}
	wantRateLimited(t, reset(t, env, "made-up-token", "a-new-password-1"))
}
