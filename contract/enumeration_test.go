package contract_test

import (
	"bytes"
	"slices"
	"testing"

	"latchkey/app/apptest"
)

// TestForgotPasswordSameForUnknownEmail: nothing in the answer, or in the work the request does
// before answering, tells whether an account exists.
func TestForgotPasswordSameForUnknownEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")

	known := forgot(t, env, "Alice@Example.com")
	unknown := forgot(t, env, "nobody@example.com")

	t.Run("SameMessage", func(t *testing.T) {
		for _, r := range []*apptest.Response{known, unknown} {
			if got := message(t, r, "forgotPassword"); got != forgotMessage {
				t.Errorf("message = %q, want %q", got, forgotMessage)
			}
		}
	})
	t.Run("SameResponse", func(t *testing.T) {
		// The whole body, so that extensions (top-level or per error) cannot differ either.
		if known.Status != unknown.Status || !bytes.Equal(known.Body, unknown.Body) {
			t.Errorf("responses differ:\nknown   %d %s\nunknown %d %s", known.Status, known.Body, unknown.Status, unknown.Body)
		}
		if known.Header.Get("Content-Type") != unknown.Header.Get("Content-Type") {
			t.Errorf("Content-Type differs: %q and %q", known.Header.Get("Content-Type"), unknown.Header.Get("Content-Type"))
		}
	})
	t.Run("SameWorkBeforeAnswering", func(t *testing.T) {
		rows, err := db.Query(`SELECT kind, accepted, attempts, username IS NULL OR username = '' FROM mail_outbox ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var kind string
			var accepted, noName bool
			var attempts int
			if err := rows.Scan(&kind, &accepted, &attempts, &noName); err != nil {
				t.Fatal(err)
			}
			if !noName {
				t.Error("a queued request names the account's user")
			}
			got = append(got, kind)
		}
		if !slices.Equal(got, []string{"password_reset", "password_reset"}) {
			t.Errorf("queued %v, want one identical reset request each", got)
		}
	})
	t.Run("OnlyKnownGetsMail", func(t *testing.T) {
		env.Flush(t)
		msgs := env.SMTP.Messages()
		if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"alice@example.com"}) {
			t.Errorf("sent %d mails, want one to alice", len(msgs))
		}
	})
}

// TestLoginThrottleSameForUnknownEmail: repeated failures slow down an address whether or not it
// has an account, so the throttle cannot be used to find accounts either.
func TestLoginThrottleSameForUnknownEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	env.Register(t, "alice", "alice@example.com", "first-password-1")

	last := map[string]*apptest.Response{}
	for _, email := range []string{"alice@example.com", "nobody@example.com"} {
		for range 5 {
			wantError(t, login(t, env, email, "wrong-password"), "UNAUTHENTICATED", "", "Incorrect email or password")
		}
		last[email] = login(t, env, email, "wrong-password")
	}
	wantError(t, last["alice@example.com"], "RATE_LIMITED", "", "")
	sameError(t, last["alice@example.com"], last["nobody@example.com"])
}
