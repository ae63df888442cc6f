package contract_test

import (
	"strings"
	"testing"

	"latchkey/account"
	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

// TestLogsHoldNoSecrets: after every operation, with mail going to a real SMTP server, the log
// holds no password, reset token, access token or key.
func TestLogsHoldNoSecrets(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{
		Env: map[string]string{
			"MAIL_USE_TLS":  "true",
			"MAIL_USERNAME": "latchkey",
			"MAIL_PASSWORD": "smtp-secret-pw",
		},
		SMTP: emailtest.Options{StartTLS: true, Auth: &emailtest.Credentials{Username: "latchkey", Password: "smtp-secret-pw"}},
	})
	secrets := []string{apptest.SecretKey, "smtp-secret-pw"}
	keep := func(s ...string) { secrets = append(secrets, s...) }

	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	keep("first-password-1", s.AccessToken)
	wantError(t, login(t, env, "alice@example.com", "wrong-password-9"), "UNAUTHENTICATED", "", "")
	wantError(t, login(t, env, "nobody@example.com", "unknown-password-8"), "UNAUTHENTICATED", "", "")
	keep("wrong-password-9", "unknown-password-8", env.Login(t, "alice@example.com", "first-password-1").AccessToken)

	wantOK(t, forgot(t, env, "alice@example.com"))
	token := env.ResetTokenFromMail(t, 1)
	keep(token)
	checkToken(t, env, token)
	wantError(t, reset(t, env, token, "password"), "BAD_USER_INPUT", "newPassword", "")
	wantOK(t, reset(t, env, token, "second-password-2"))
	keep("second-password-2")
	mail(t, env, 2)

	s = env.Login(t, "alice@example.com", "second-password-2")
	r := changePassword(t, env, s.AccessToken, "second-password-2", "third-password-3")
	wantOK(t, r)
	var payload struct{ Session apptest.Session }
	r.Decode(t, "changePassword", &payload)
	keep(s.AccessToken, "third-password-3", payload.Session.AccessToken)
	env.Clock.Advance(account.PasswordNoticeInterval) // the change's notice waits for the reset's
	mail(t, env, 3)

	wantError(t, deleteAccount(t, env, payload.Session.AccessToken, "not-my-password-7"), "BAD_USER_INPUT", "password", "")
	wantOK(t, deleteAccount(t, env, payload.Session.AccessToken, "third-password-3"))
	keep("not-my-password-7")

	logs := env.Logs()
	if !strings.Contains(logs, "graphql") || !strings.Contains(logs, "password reset") {
		t.Fatalf("the log does not show the operations ran:\n%s", logs)
	}
	for _, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
	if strings.Contains(logs, "reset-password#token=") {
		t.Error("the log contains a reset link")
	}
}

// TestLogMailer: without MAIL_SERVER the mail, link and all, goes to the log instead, which is
// the one place a reset token may be logged.
func TestLogMailer(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"MAIL_SERVER": ""}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	env.Flush(t)

	base := env.App.Config.Account.FrontendURL + "/reset-password#token="
	link := emailtest.ExtractLink(t, env.Logs(), base)
	// The text handler writes the body's line breaks as \n, so the link runs on; the token is 43 long.
	token := strings.TrimPrefix(link, base)
	if len(token) < 43 {
		t.Fatalf("no token in logged link %q", link)
	}
	token = token[:43]
	if !strings.Contains(env.Logs(), "email NOT SENT") {
		t.Error("the logged mail is not marked as not sent")
	}
	if n := env.SMTP.Count(); n != 0 {
		t.Errorf("%d mails reached the SMTP server", n)
	}
	wantOK(t, reset(t, env, token, "second-password-2"))
	env.Login(t, "alice@example.com", "second-password-2")
}
