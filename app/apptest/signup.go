package apptest

import (
	"testing"
	"time"

	"latchkey/email/emailtest"
)

// Operation documents of verified sign-up.
const (
	SignUpMutation = `mutation($u:String!,$e:String!,$p:String!){signUp(input:{username:$u,email:$e,password:$p}){message}}`
	// VerifyMutation spends the token $t; $u, when given, replaces the sign-up's username.
	VerifyMutation           = `mutation($t:String!,$u:String){verifyEmail(input:{token:$t,username:$u}){accessToken tokenType expiresAt deviceToken user{id username email emailVerified}}}`
	SendVerificationMutation = `mutation{sendVerificationEmail{message}}`
)

// VerifyPath begins the token of every verification link, after FRONTEND_URL.
const VerifyPath = "/verify-email#token="

// VerifyTokenFromMail waits for the n-th mail (1-based) and returns the token of its
// verification link.
func (e *Env) VerifyTokenFromMail(tb testing.TB, n int) string {
	tb.Helper()
	msgs := e.SMTP.Wait(tb, n, 10*time.Second)
	if msgs[n-1].Parsed == nil {
		tb.Fatalf("mail %d does not parse: %v", n, msgs[n-1].ParseError)
	}
	prefix := e.App.Config.Account.FrontendURL + VerifyPath
	return emailtest.ExtractLink(tb, msgs[n-1].Parsed.Text, prefix)[len(prefix):]
}

// SignUp asks for an account, failing the test unless the answer is the generic message.
func (e *Env) SignUp(tb testing.TB, username, email, password string) {
	tb.Helper()
	r := e.Query(tb, "", SignUpMutation, map[string]any{"u": username, "e": email, "p": password})
	var m struct {
		Message string `json:"message"`
	}
	r.Decode(tb, "signUp", &m)
	if m.Message != "Check your inbox to finish creating your account." {
		tb.Fatalf("signUp answered %q", m.Message)
	}
}

// Verify spends a verification token and returns the session, failing the test otherwise.
func (e *Env) Verify(tb testing.TB, token string) Session {
	tb.Helper()
	r := e.Query(tb, "", VerifyMutation, map[string]any{"t": token})
	var s Session
	r.Decode(tb, "verifyEmail", &s)
	return s
}
