package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"latchkey/app/apptest"
)

// TestDeviceTokenKeepsOwnerIn: the pages keep the device token of the last session and send it
// at sign-in, so guesses from strangers that slow the address down elsewhere do not keep the
// owner out of their own browser.
func TestDeviceTokenKeepsOwnerIn(t *testing.T) {
	env := startServer(t, apptest.Setup{Env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}})
	tb := openTab(t, env)
	tb.register("lin", userEmail, userPassword)
	if dev := tb.eval(`localStorage.getItem("latchkey.device") || ""`); dev == "" {
		t.Fatal("the pages keep no device token")
	}
	tb.signOut()

	strangerLogin := func(ip string, password string) string {
		body, _ := json.Marshal(map[string]any{"query": apptest.LoginMutation, "variables": map[string]any{"e": userEmail, "p": password}})
		req, _ := http.NewRequest(http.MethodPost, env.URL()+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
		return env.Do(t, req).Code()
	}
	for i := range 40 {
		strangerLogin(fmt.Sprintf("192.0.2.%d", i+1), "a stranger's guess")
	}
	if code := strangerLogin("198.51.100.1", userPassword); code != "RATE_LIMITED" {
		t.Fatalf("a client without a device token got %q, want RATE_LIMITED: the guesses did not slow the address", code)
	}
	tb.signIn(userEmail, userPassword)
}
