package contract_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

const (
	changeEmailMessage  = "Check the inbox of the new address to finish the change. Until then, sign in with your current address."
	emailChangedMessage = "Your email address has been changed. Sign in with your new address."
)

// me returns what me says of the account token signs in to.
func me(tb testing.TB, env *apptest.Env, token string) (email string, verified bool) {
	tb.Helper()
	r := env.Query(tb, token, `{me{email emailVerified}}`, nil)
	wantOK(tb, r)
	var u struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"emailVerified"`
	}
	r.Decode(tb, "me", &u)
	return u.Email, u.EmailVerified
}

// onlyMailTo returns the one mail of the first n that went to `to`.
func onlyMailTo(tb testing.TB, env *apptest.Env, n int, to string) emailtest.Received {
	tb.Helper()
	got := env.MailTo(tb, n, to)
	if len(got) != 1 {
		tb.Fatalf("%d of the first %d mails went to %s, want 1", len(got), n, to)
	}
	return got[0]
}

// wantLinks checks that both parts of m carry every link, and no confirmation link unless want.
func wantLinks(tb testing.TB, env *apptest.Env, m emailtest.Received, confirm bool, links ...string) {
	tb.Helper()
	wantAlternative(tb, m)
	for _, part := range []string{m.Parsed.Text, m.Parsed.HTML} {
		for _, l := range links {
			if !strings.Contains(part, l) {
				tb.Errorf("mail %q lacks the link %s", m.Parsed.Subject, l)
			}
		}
		if _, ok := emailtest.FindLink(part, env.ConfirmLinkPrefix()); ok != confirm {
			tb.Errorf("mail %q: confirmation link present = %v, want %v", m.Parsed.Subject, ok, confirm)
		}
	}
}

// TestChangeEmail walks the whole address change: asked for with the password, the link to the
// new address and the notice to the current one; the old address in use until the link is; then
// the move, with every session revoked, the address verified and the old address told.
func TestChangeEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"APP_NAME": "Acme Keys"}})
	front := env.App.Config.Account.FrontendURL
	mine := env.Register(t, "alice", "alice@example.com", "first-password-1")
	other := env.Login(t, "alice@example.com", "first-password-1") // another device

	r := env.ChangeEmail(t, mine.AccessToken, "  Alice@NEW.example ", "first-password-1")
	if got := message(t, r, "changeEmail"); got != changeEmailMessage {
		t.Errorf("message = %q", got)
	}
	env.Flush(t)
	link := onlyMailTo(t, env, 2, "alice@new.example")
	token := env.ConfirmToken(t, link)

	t.Run("LinkToNewAddress", func(t *testing.T) {
		if link.Parsed.Subject != "Confirm your new Acme Keys email address" {
			t.Errorf("subject = %q", link.Parsed.Subject)
		}
		wantLinks(t, env, link, true, front+"/confirm-email#token="+token)
		if !strings.Contains(link.Parsed.Text, "expires in 1 day") {
			t.Errorf("the link mail does not give the expiry:\n%s", link.Parsed.Text)
		}
	})
	t.Run("NoticeToCurrentAddress", func(t *testing.T) {
		m := onlyMailTo(t, env, 2, "alice@example.com")
		if m.Parsed.Subject != "A change of your Acme Keys email address was requested" {
			t.Errorf("subject = %q", m.Parsed.Subject)
		}
		if !strings.Contains(m.Parsed.Text, "alice@new.example") {
			t.Errorf("the notice does not name the new address:\n%s", m.Parsed.Text)
		}
		wantLinks(t, env, m, false, front+"/forgot-password", front+"/account")
	})
	t.Run("OldAddressUntilConfirmed", func(t *testing.T) {
		if got, _ := me(t, env, mine.AccessToken); got != "alice@example.com" {
			t.Errorf("me.email = %q before the link was used", got)
		}
		env.Login(t, "alice@example.com", "first-password-1")
		wantError(t, login(t, env, "alice@new.example", "first-password-1"), "UNAUTHENTICATED", "", "Incorrect email or password")
		wantOK(t, forgot(t, env, "alice@new.example"))
		wantOK(t, forgot(t, env, "alice@example.com"))
		env.Flush(t)
		if got := env.MailTo(t, 3, "alice@new.example"); len(got) != 1 {
			t.Errorf("%d mails to the new address, want only the link: a reset went there", len(got))
		}
		env.ResetTokenFromMail(t, 3) // the reset went to the old address
	})
	resetToken := env.ResetTokenFromMail(t, 3)

	before := env.Clock.Now()
	if got := message(t, env.ConfirmEmailChange(t, token), "confirmEmailChange"); got != emailChangedMessage {
		t.Errorf("confirm message = %q", got)
	}
	env.Flush(t)

	t.Run("EverySessionRevoked", func(t *testing.T) {
		wantSignedOut(t, env, mine.AccessToken)
		wantSignedOut(t, env, other.AccessToken)
	})
	t.Run("SignInWithNewAddressOnly", func(t *testing.T) {
		s := env.Login(t, "ALICE@new.example", "first-password-1")
		if got, verified := me(t, env, s.AccessToken); got != "alice@new.example" || !verified {
			t.Errorf("me = %q, verified %v; want the new address, verified", got, verified)
		}
		wantError(t, login(t, env, "alice@example.com", "first-password-1"), "UNAUTHENTICATED", "", "Incorrect email or password")
	})
	t.Run("ResetTokenRevoked", func(t *testing.T) {
		if checkToken(t, env, resetToken).Valid {
			t.Error("a reset link to the old address still works")
		}
	})
	t.Run("OldAddressTold", func(t *testing.T) {
		got := env.MailTo(t, 4, "alice@example.com")
		m := got[len(got)-1]
		if m.Parsed.Subject != "Your Acme Keys email address was changed" {
			t.Fatalf("last mail to the old address: %q", m.Parsed.Subject)
		}
		wantAlternative(t, m)
		// The text part is wrapped for reading, so a date may span two lines.
		flat := strings.Join(strings.Fields(m.Parsed.Text), " ")
		if !strings.Contains(flat, "alice@new.example") || !strings.Contains(flat, before.UTC().Format("2 January 2006")) {
			t.Errorf("the notice does not name the new address and the day:\n%s", m.Parsed.Text)
		}
	})
	t.Run("ErrLinkSpent", func(t *testing.T) {
		wantError(t, env.ConfirmEmailChange(t, token), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	})
	t.Run("ResetGoesToNewAddress", func(t *testing.T) {
		env.Clock.Advance(61 * time.Second)
		wantOK(t, forgot(t, env, "alice@new.example"))
		env.Flush(t)
		if got := env.MailTo(t, 5, "alice@new.example"); len(got) != 2 {
			t.Errorf("%d mails to the new address, want the link and a reset", len(got))
		}
	})
}

// TestChangeEmailTakenAddress: asking for an address that has an account answers exactly as for
// a free one; that address gets a notice with no link, the current address its notice, and
// nothing moves.
func TestChangeEmailTakenAddress(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	front := env.App.Config.Account.FrontendURL
	alice := env.Register(t, "alice", "alice@example.com", "first-password-1")
	bob := env.Register(t, "bob", "bob@example.com", "bob-password-1")

	free := env.ChangeEmail(t, alice.AccessToken, "carol@example.com", "first-password-1")
	env.Flush(t)
	env.Clock.Advance(61 * time.Second)
	taken := env.ChangeEmail(t, alice.AccessToken, "BOB@example.com", "first-password-1")
	env.Flush(t)

	t.Run("SameAnswer", func(t *testing.T) {
		if message(t, taken, "changeEmail") != changeEmailMessage || !bytes.Equal(free.Body, taken.Body) || free.Status != taken.Status {
			t.Errorf("answers differ:\n%s\n%s", free.Body, taken.Body)
		}
	})
	t.Run("NoticeToTakenAddress", func(t *testing.T) {
		m := onlyMailTo(t, env, 4, "bob@example.com")
		if m.Parsed.Subject != "Someone tried to use your Latchkey email address" {
			t.Errorf("subject = %q", m.Parsed.Subject)
		}
		if !strings.Contains(m.Parsed.Text, "already belongs to your account") || !strings.Contains(m.Parsed.Text, "Hi bob") {
			t.Errorf("the notice does not say the address has an account:\n%s", m.Parsed.Text)
		}
		wantLinks(t, env, m, false, front+"/login", front+"/forgot-password")
	})
	t.Run("CurrentAddressToldBothTimes", func(t *testing.T) {
		if got := env.MailTo(t, 4, "alice@example.com"); len(got) != 2 {
			t.Errorf("%d notices to the current address, want one per request", len(got))
		}
	})
	t.Run("NothingMoved", func(t *testing.T) {
		if got, _ := me(t, env, alice.AccessToken); got != "alice@example.com" {
			t.Errorf("alice's address = %q", got)
		}
		if got, _ := me(t, env, bob.AccessToken); got != "bob@example.com" {
			t.Errorf("bob's address = %q", got)
		}
		db := env.OpenDB(t)
		if n := count(t, db, `SELECT COUNT(*) FROM email_changes WHERE token_hash IS NOT NULL`); n != 0 {
			t.Errorf("%d usable email changes left: the taken request voids the earlier link too", n)
		}
	})
	t.Run("EarlierLinkVoided", func(t *testing.T) {
		// Whether the earlier link still works must not tell whether the later address was taken.
		token := env.ConfirmToken(t, onlyMailTo(t, env, 4, "carol@example.com"))
		wantError(t, env.ConfirmEmailChange(t, token), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	})
}

// TestChangeEmailRefused: without a session, with a wrong password, with a malformed address or
// the current one, nothing is recorded and no mail goes out.
func TestChangeEmailRefused(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	db := env.OpenDB(t)
	for _, tc := range []struct {
		name, token, email, password, code, field, message string
	}{
		{"ErrNoSession", "", "new@example.com", "first-password-1", "UNAUTHENTICATED", "", ""},
		{"ErrWrongPassword", s.AccessToken, "new@example.com", "not-my-password", "BAD_USER_INPUT", "password", "Current password is incorrect"},
		{"ErrMalformed", s.AccessToken, "Alice <new@example.com>", "first-password-1", "BAD_USER_INPUT", "newEmail", "Enter a valid email address"},
		{"ErrLookAlike", s.AccessToken, "new\u200b@example.com", "first-password-1", "BAD_USER_INPUT", "newEmail", "Enter a valid email address"},
		{"ErrCurrentAddress", s.AccessToken, "ALICE@Example.com", "first-password-1", "BAD_USER_INPUT", "newEmail", "This is already your email address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, env.ChangeEmail(t, tc.token, tc.email, tc.password), tc.code, tc.field, tc.message)
		})
	}
	env.Flush(t)
	if n := count(t, db, `SELECT COUNT(*) FROM email_changes`) + count(t, db, `SELECT COUNT(*) FROM mail_outbox`); n != 0 || env.SMTP.Count() != 0 {
		t.Errorf("%d rows recorded and %d mails sent for refused requests", n, env.SMTP.Count())
	}
	t.Run("WrongPasswordsThrottledLikeLogin", func(t *testing.T) {
		// The refusals above check the password too, whatever the address: their right password
		// cleared the one wrong before, so it takes five in a row here.
		for range 5 {
			wantError(t, env.ChangeEmail(t, s.AccessToken, "new@example.com", "not-my-password"), "BAD_USER_INPUT", "password", "")
		}
		wantRateLimited(t, env.ChangeEmail(t, s.AccessToken, "new@example.com", "first-password-1"))
	})
}

// TestChangeEmailOnePasswordOperation: changeEmail is one of the password operations a request
// may hold only one of, aliases included.
func TestChangeEmailOnePasswordOperation(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	for name, q := range map[string]string{
		"ErrAliased":   `mutation{a:changeEmail(input:{newEmail:"a@example.com",password:"x1"}){message} b:changeEmail(input:{newEmail:"b@example.com",password:"x2"}){message}}`,
		"ErrWithLogin": `mutation{changeEmail(input:{newEmail:"a@example.com",password:"x1"}){message} login(input:{email:"alice@example.com",password:"x2"}){accessToken}}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := env.Query(t, s.AccessToken, q, nil)
			wantError(t, r, "BAD_USER_INPUT", "", "Send one password operation per request")
			if r.Data != nil {
				t.Errorf("data = %s: something ran", r.Data)
			}
		})
	}
	if n := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM mail_outbox`); n != 0 {
		t.Errorf("%d mails queued by refused requests", n)
	}
}
