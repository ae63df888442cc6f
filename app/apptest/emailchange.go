package apptest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/email/emailtest"
)

// Operation documents of an address change.
const (
	ChangeEmailMutation        = `mutation($n:String!,$p:String!){changeEmail(input:{newEmail:$n,password:$p}){message}}`
	ConfirmEmailChangeMutation = `mutation($t:String!){confirmEmailChange(input:{token:$t}){message}}`
)

// ChangeEmail asks, with the session token, to move its account to newEmail.
func (e *Env) ChangeEmail(tb testing.TB, token, newEmail, password string) *Response {
	tb.Helper()
	return e.Query(tb, token, ChangeEmailMutation, map[string]any{"n": newEmail, "p": password})
}

// ConfirmEmailChange spends an email-change token.
func (e *Env) ConfirmEmailChange(tb testing.TB, token string) *Response {
	tb.Helper()
	return e.Query(tb, "", ConfirmEmailChangeMutation, map[string]any{"t": token})
}

// MailTo waits until n mails have arrived and returns those to `to`, in order.
func (e *Env) MailTo(tb testing.TB, n int, to string) []emailtest.Received {
	tb.Helper()
	var mine []emailtest.Received
	for _, m := range e.SMTP.Wait(tb, n, 10*time.Second) {
		if slices.Contains(m.To, to) {
			if m.Parsed == nil {
				tb.Fatalf("mail to %s is not MIME: %v\n%s", to, m.ParseError, m.Data)
			}
			mine = append(mine, m)
		}
	}
	return mine
}

// ConfirmLinkPrefix is the start of every email-change link this Env mails.
func (e *Env) ConfirmLinkPrefix() string {
	return e.App.Config.Account.FrontendURL + "/confirm-email#token="
}

// ConfirmToken returns the token of the email-change link in m's text part, failing the test
// when there is none.
func (e *Env) ConfirmToken(tb testing.TB, m emailtest.Received) string {
	tb.Helper()
	link := emailtest.ExtractLink(tb, m.Parsed.Text, e.ConfirmLinkPrefix())
	return strings.TrimPrefix(link, e.ConfirmLinkPrefix())
}
