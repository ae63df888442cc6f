package contract_test

import (
	"testing"

	"latchkey/app/apptest"
)

// TestRateLimitPerClient: past its allowance a client gets RATE_LIMITED with retryAfter, for
// known and unknown emails alike.
func TestRateLimitPerClient(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{
		"RATE_LIMIT_ENABLED":                    "true",
		"RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": "2",
	}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	wantOK(t, forgot(t, env, "nobody@example.com"))

	known := forgot(t, env, "alice@example.com")
	unknown := forgot(t, env, "nobody@example.com")
	e := wantError(t, known, "RATE_LIMITED", "", "")
	if secs, ok := e.Extensions["retryAfter"].(float64); !ok || secs < 1 || secs > 60 {
		t.Errorf("retryAfter = %v, want 1 to 60 seconds", e.Extensions["retryAfter"])
	}
	sameError(t, known, unknown)
}
