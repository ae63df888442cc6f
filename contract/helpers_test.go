package contract_test

import (
	"database/sql"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

// mailWait bounds every wait for a mail; a mail that is on its way arrives in milliseconds.
const mailWait = 10 * time.Second

const forgotMessage = "If an account exists with this email, you will receive password reset instructions."

// wantOK fails the test when r carries any error.
func wantOK(tb testing.TB, r *apptest.Response) {
	tb.Helper()
	if len(r.Errors) > 0 || r.Status != 200 {
		tb.Fatalf("want success, got HTTP %d: %s", r.Status, r.Body)
	}
}

// wantError checks that r failed with exactly one error of code; field and message are checked
// when not empty, and extensions.field must be absent when field is empty.
func wantError(tb testing.TB, r *apptest.Response, code, field, message string) apptest.GQLError {
	tb.Helper()
	if len(r.Errors) != 1 {
		tb.Fatalf("want one %s error, got %s", code, r.Body)
	}
	e := r.Errors[0]
	if got := e.Extensions["code"]; got != code {
		tb.Fatalf("extensions.code = %v, want %s: %s", got, code, r.Body)
	}
	if got, _ := e.Extensions["field"].(string); got != field {
		tb.Errorf("extensions.field = %q, want %q: %s", got, field, r.Body)
	}
	if message != "" && e.Message != message {
		tb.Errorf("message = %q, want %q", e.Message, message)
	}
	return e
}

// sameError fails unless a and b are the same error: message, code and every extension.
func sameError(tb testing.TB, a, b *apptest.Response) {
	tb.Helper()
	if len(a.Errors) != 1 || len(b.Errors) != 1 {
		tb.Fatalf("want one error each, got\n%s\n%s", a.Body, b.Body)
	}
	if a.Errors[0].Message != b.Errors[0].Message || !reflect.DeepEqual(a.Errors[0].Extensions, b.Errors[0].Extensions) {
		tb.Errorf("errors differ:\n%s\n%s", a.Body, b.Body)
	}
	if a.Status != b.Status {
		tb.Errorf("HTTP status differs: %d and %d", a.Status, b.Status)
	}
}

func forgot(tb testing.TB, env *apptest.Env, email string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, "", apptest.ForgotMutation, map[string]any{"e": email})
}

func reset(tb testing.TB, env *apptest.Env, token, password string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, "", apptest.ResetMutation, map[string]any{"t": token, "p": password})
}

// resetCheck is the answer of checkResetToken.
type resetCheck struct {
	Valid     bool       `json:"valid"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

func checkToken(tb testing.TB, env *apptest.Env, token string) resetCheck {
	tb.Helper()
	r := env.Query(tb, "", apptest.CheckQuery, map[string]any{"t": token})
	wantOK(tb, r)
	var c resetCheck
	r.Decode(tb, "checkResetToken", &c)
	return c
}

// wantSignedOut checks that token no longer opens the account.
func wantSignedOut(tb testing.TB, env *apptest.Env, token string) {
	tb.Helper()
	wantError(tb, env.Query(tb, token, apptest.MeQuery, nil), "UNAUTHENTICATED", "", "")
}

// meEmail returns the email of the account token signs in to, failing the test otherwise.
func meEmail(tb testing.TB, env *apptest.Env, token string) string {
	tb.Helper()
	r := env.Query(tb, token, apptest.MeQuery, nil)
	wantOK(tb, r)
	var u struct {
		Email string `json:"email"`
	}
	r.Decode(tb, "me", &u)
	return u.Email
}

// message returns data.<field>.message.
func message(tb testing.TB, r *apptest.Response, field string) string {
	tb.Helper()
	wantOK(tb, r)
	var m struct {
		Message string `json:"message"`
	}
	r.Decode(tb, field, &m)
	return m.Message
}

// mail waits for the n-th message (1-based) and returns it parsed.
func mail(tb testing.TB, env *apptest.Env, n int) emailtest.Received {
	tb.Helper()
	m := env.SMTP.Wait(tb, n, mailWait)[n-1]
	if m.Parsed == nil {
		tb.Fatalf("mail %d is not MIME: %v\n%s", n, m.ParseError, m.Data)
	}
	return m
}

// wantAlternative checks a mail has a text and an HTML version of the same content.
func wantAlternative(tb testing.TB, m emailtest.Received) {
	tb.Helper()
	p := m.Parsed
	if p.ContentType != "multipart/alternative" {
		tb.Errorf("Content-Type = %s, want multipart/alternative", p.ContentType)
	}
	if !reflect.DeepEqual(p.PartTypes, []string{"text/plain", "text/html"}) {
		tb.Errorf("parts = %v, want [text/plain text/html]", p.PartTypes)
	}
	if p.Text == "" || p.HTML == "" {
		tb.Errorf("empty part: text %d bytes, HTML %d bytes", len(p.Text), len(p.HTML))
	}
}

// count runs a SELECT COUNT(*) … on db.
func count(tb testing.TB, db *sql.DB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// jsonKeys returns the keys of a JSON object.
func jsonKeys(tb testing.TB, raw json.RawMessage) []string {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("not a JSON object: %s", raw)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
