package server_test

import (
	"testing"

	"latchkey/app/apptest"
)

func TestPasswordResetRoundTrip(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	old := env.Register(t, "alice", "Alice@Example.com", "first-password-1")

	r := env.Query(t, "", apptest.ForgotMutation, map[string]any{"e": "ALICE@example.com"})
	if r.Code() != "" {
		t.Fatalf("forgotPassword failed: %s", r.Body)
	}
	token := env.ResetTokenFromMail(t, 1)

	r = env.Query(t, "", apptest.ResetMutation, map[string]any{"t": token, "p": "second-password-2"})
	if r.Code() != "" {
		t.Fatalf("resetPassword failed: %s", r.Body)
	}
	env.Login(t, "alice@example.com", "second-password-2")
	if r := env.Query(t, old.AccessToken, apptest.MeQuery, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("token from before the reset still works: %s", r.Body)
	}
	msgs := env.SMTP.Wait(t, 2, 10e9)
	if got := msgs[1].Parsed.Subject; got != "Your Latchkey password was changed" {
		t.Errorf("second mail subject = %q", got)
	}
}
