package contract_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

const resetLinkBase = "https://accounts.example.test/reset-password#token="

func TestPasswordResetRoundTrip(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	old := env.Register(t, "alice", "Alice@Example.com", "first-password-1")
	if verified(t, env, old.AccessToken) {
		t.Fatal("an instant account's address is verified before any mail was read")
	}

	r := env.Query(t, "", apptest.ForgotMutation, map[string]any{"e": "ALICE@example.com"})
	if r.Code() != "" {
		t.Fatalf("forgotPassword failed: %s", r.Body)
	}
	token := env.ResetTokenFromMail(t, 1)

	r = env.Query(t, "", apptest.ResetMutation, map[string]any{"t": token, "p": "second-password-2"})
	if r.Code() != "" {
		t.Fatalf("resetPassword failed: %s", r.Body)
	}
	fresh := env.Login(t, "alice@example.com", "second-password-2")
	if !verified(t, env, fresh.AccessToken) {
		t.Error("a completed reset did not mark the address verified")
	}
	if r := env.Query(t, old.AccessToken, apptest.MeQuery, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("token from before the reset still works: %s", r.Body)
	}
	msgs := env.SMTP.Wait(t, 2, mailWait)
	if got := msgs[1].Parsed.Subject; got != "Your Latchkey password was changed" {
		t.Errorf("second mail subject = %q", got)
	}
}

func verified(t *testing.T, env *apptest.Env, accessToken string) bool {
	t.Helper()
	var me struct{ EmailVerified *bool }
	env.Query(t, accessToken, `{me{emailVerified}}`, nil).Decode(t, "me", &me)
	if me.EmailVerified == nil {
		t.Fatal("me.emailVerified is missing")
	}
	return *me.EmailVerified
}

// TestResetLink: the link goes to FRONTEND_URL, carries a 256-bit URL-safe token, and the
// database keeps only the token's SHA-256.
func TestResetLink(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"FRONTEND_URL": "https://accounts.example.test/"}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	env.Flush(t) // so that the mail is out of mail_outbox too when it is read below
	m := mail(t, env, 1)

	link := emailtest.ExtractLink(t, m.Parsed.Text, "https://")
	token, ok := strings.CutPrefix(link, resetLinkBase)
	if !ok {
		t.Fatalf("link = %q, want %s<token>", link, resetLinkBase)
	}

	t.Run("TokenIs256BitsURLSafe", func(t *testing.T) {
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(token) {
			t.Errorf("token %q is not 43 URL-safe characters", token)
		}
		if b, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(b) != 32 {
			t.Errorf("token decodes to %d bytes (%v), want 32", len(b), err)
		}
	})

	t.Run("HTMLCarriesSameLink", func(t *testing.T) {
		if got := emailtest.ExtractLink(t, m.Parsed.HTML, "https://accounts.example.test/"); got != link {
			t.Errorf("HTML link = %q, text link = %q", got, link)
		}
	})

	t.Run("OnlyHashStored", func(t *testing.T) {
		db := env.OpenDB(t)
		rows, err := db.Query(`SELECT token_hash FROM password_reset_tokens`)
		if err != nil {
			t.Fatal(err)
		}
		var hashes []string
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, h)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(token))
		if want := hex.EncodeToString(sum[:]); !slices.Equal(hashes, []string{want}) {
			t.Errorf("token_hash = %q, want [%s]", hashes, want)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM mail_outbox`); n != 0 {
			t.Errorf("%d mails left in mail_outbox after sending", n)
		}
		files := env.DBFiles(t)
		if !bytes.Contains(files, []byte(hashes[0])) {
			t.Fatal("the stored hash is not found in the database files: the search below would prove nothing")
		}
		if bytes.Contains(files, []byte(token)) {
			t.Error("the reset token itself is in the database file or its WAL")
		}
	})

	t.Run("ResetWithLinkToken", func(t *testing.T) {
		wantOK(t, reset(t, env, token, "second-password-2"))
		env.Login(t, "alice@example.com", "second-password-2")
	})
}

// TestResetMail: what the reset mail says follows APP_NAME and RESET_TOKEN_EXPIRE_MINUTES.
func TestResetMail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{
		"APP_NAME":                   "Acme Keys",
		"RESET_TOKEN_EXPIRE_MINUTES": "45",
		"MAIL_FROM":                  "accounts@acme.example",
	}})
	env.Register(t, "alice", "Alice@Example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	m := mail(t, env, 1)

	t.Run("Envelope", func(t *testing.T) {
		if !slices.Equal(m.To, []string{"alice@example.com"}) || m.From != "accounts@acme.example" {
			t.Errorf("envelope from %q to %q", m.From, m.To)
		}
		if m.Parsed.To != "<alice@example.com>" && m.Parsed.To != "alice@example.com" {
			t.Errorf("To: %q", m.Parsed.To)
		}
	})
	t.Run("SubjectNamesApp", func(t *testing.T) {
		if got := m.Parsed.Subject; got != "Reset your Acme Keys password" {
			t.Errorf("subject = %q", got)
		}
	})
	t.Run("TextAndHTML", func(t *testing.T) {
		wantAlternative(t, m)
	})
	t.Run("ExpiryFollowsSetting", func(t *testing.T) {
		for part, body := range map[string]string{"text": m.Parsed.Text, "HTML": m.Parsed.HTML} {
			if !strings.Contains(body, "45 minutes") {
				t.Errorf("%s part does not say the link expires in 45 minutes:\n%s", part, body)
			}
			if !strings.Contains(body, "alice") || !strings.Contains(body, "Acme Keys") {
				t.Errorf("%s part does not greet alice or name Acme Keys:\n%s", part, body)
			}
		}
	})
	t.Run("TokenLivesThatLong", func(t *testing.T) {
		token := env.ResetTokenFromMail(t, 1)
		c := checkToken(t, env, token)
		if !c.Valid || c.ExpiresAt == nil {
			t.Fatalf("check = %+v, want valid", c)
		}
		if want := env.Clock.Now().Add(45 * time.Minute); c.ExpiresAt.Before(want.Add(-time.Minute)) || c.ExpiresAt.After(want.Add(time.Second)) {
			t.Errorf("expiresAt = %v, want about %v", c.ExpiresAt, want)
		}
	})
}

func TestCheckResetToken(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	token := env.ResetTokenFromMail(t, 1)

	t.Run("Valid", func(t *testing.T) {
		c := checkToken(t, env, token)
		if !c.Valid || c.ExpiresAt == nil {
			t.Fatalf("check = %+v, want valid with expiresAt", c)
		}
		if want := env.Clock.Now().Add(time.Hour); c.ExpiresAt.Before(want.Add(-time.Minute)) || c.ExpiresAt.After(want.Add(time.Second)) {
			t.Errorf("expiresAt = %v, want about %v (RESET_TOKEN_EXPIRE_MINUTES=60)", c.ExpiresAt, want)
		}
		if c.ExpiresAt.Location() != time.UTC {
			t.Errorf("expiresAt = %v, want UTC", c.ExpiresAt)
		}
	})
	for name, tok := range map[string]string{
		"UnknownInvalid":   randomToken(t),
		"MalformedInvalid": "not-a-token",
		"EmptyInvalid":     "",
	} {
		t.Run(name, func(t *testing.T) {
			if c := checkToken(t, env, tok); c.Valid || c.ExpiresAt != nil {
				t.Errorf("check = %+v, want valid:false without expiresAt", c)
			}
		})
	}
	t.Run("CheckDoesNotSpend", func(t *testing.T) {
		checkToken(t, env, token)
		wantOK(t, reset(t, env, token, "second-password-2"))
	})
	t.Run("UsedInvalid", func(t *testing.T) {
		if c := checkToken(t, env, token); c.Valid {
			t.Errorf("check of a used token = %+v", c)
		}
	})
}

func TestResetPassword(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	session := env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	token := env.ResetTokenFromMail(t, 1)

	t.Run("ErrWeakPasswordKeepsToken", func(t *testing.T) {
		wantError(t, reset(t, env, token, "password"), "BAD_USER_INPUT", "newPassword", "")
		wantError(t, reset(t, env, token, "short"), "BAD_USER_INPUT", "newPassword", "")
		if !checkToken(t, env, token).Valid {
			t.Error("a refused password spent the token")
		}
	})

	var first *apptest.Response
	t.Run("OK", func(t *testing.T) {
		first = reset(t, env, token, "second-password-2")
		if got := message(t, first, "resetPassword"); got != "Your password has been reset. Sign in with your new password." {
			t.Errorf("message = %q", got)
		}
	})

	t.Run("DoesNotSignIn", func(t *testing.T) {
		if keys := jsonKeys(t, first.Data["resetPassword"]); !slices.Equal(keys, []string{"message"}) {
			t.Errorf("resetPassword returned %v", keys)
		}
		if bytes.Contains(first.Body, []byte("eyJ")) || first.Header.Get("Set-Cookie") != "" {
			t.Errorf("resetPassword handed out a token or cookie: %s %v", first.Body, first.Header)
		}
		r := env.Query(t, "", `mutation($t:String!,$p:String!){resetPassword(input:{token:$t,newPassword:$p}){message session{accessToken}}}`,
			map[string]any{"t": randomToken(t), "p": "third-password-3"})
		if r.Code() == "" || len(r.Data) != 0 {
			t.Errorf("asking resetPassword for a session did not fail: %s", r.Body)
		}
	})

	t.Run("NewPasswordWorksOldDoesNot", func(t *testing.T) {
		env.Login(t, "alice@example.com", "second-password-2")
		wantError(t, login(t, env, "alice@example.com", "first-password-1"), "UNAUTHENTICATED", "", "Incorrect email or password")
	})

	t.Run("RevokesOlderSessions", func(t *testing.T) {
		wantSignedOut(t, env, session.AccessToken)
	})

	t.Run("DeletesResetTokens", func(t *testing.T) {
		if n := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM password_reset_tokens`); n != 0 {
			t.Errorf("%d reset tokens left after the reset", n)
		}
	})

	t.Run("ChangedMail", func(t *testing.T) {
		m := mail(t, env, 2)
		if m.Parsed.Subject != "Your Latchkey password was changed" || !slices.Equal(m.To, []string{"alice@example.com"}) {
			t.Errorf("mail 2: %q to %v", m.Parsed.Subject, m.To)
		}
		wantAlternative(t, m)
		if _, found := emailtest.FindLink(m.Parsed.Text, env.App.Config.Account.FrontendURL+"/reset-password"); found {
			t.Error("the changed mail carries a reset link")
		}
	})

	used := reset(t, env, token, "third-password-3")
	t.Run("ErrUsedToken", func(t *testing.T) {
		wantError(t, used, "INVALID_RESET_TOKEN", "", "Invalid or expired reset token")
		env.Login(t, "alice@example.com", "second-password-2")
	})
	t.Run("ErrUnknownTokenSameAsUsed", func(t *testing.T) {
		sameError(t, used, reset(t, env, randomToken(t), "third-password-3"))
	})
	t.Run("ErrMalformedTokenSameAsUsed", func(t *testing.T) {
		sameError(t, used, reset(t, env, "not-a-token", "third-password-3"))
		sameError(t, used, reset(t, env, "", "third-password-3"))
	})
}

func TestResetTokenExpires(t *testing.T) {
	// No background worker: its sweep of expired tokens must not be what makes the token fail.
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"RESET_TOKEN_EXPIRE_MINUTES": "15"}})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	env.Flush(t)
	token := env.ResetTokenFromMail(t, 1)

	env.Clock.Advance(14 * time.Minute)
	t.Run("ValidBeforeExpiry", func(t *testing.T) {
		if !checkToken(t, env, token).Valid {
			t.Error("token expired early")
		}
	})

	env.Clock.Advance(time.Minute + time.Second)
	if n := count(t, db, `SELECT COUNT(*) FROM password_reset_tokens`); n != 1 {
		t.Fatalf("%d reset tokens stored, want the expired one still there", n)
	}
	t.Run("CheckInvalid", func(t *testing.T) {
		if c := checkToken(t, env, token); c.Valid || c.ExpiresAt != nil {
			t.Errorf("check = %+v, want valid:false", c)
		}
	})
	t.Run("ErrReset", func(t *testing.T) {
		wantError(t, reset(t, env, token, "second-password-2"), "INVALID_RESET_TOKEN", "", "Invalid or expired reset token")
		sameError(t, reset(t, env, token, "second-password-2"), reset(t, env, randomToken(t), "second-password-2"))
	})
	t.Run("PasswordUnchanged", func(t *testing.T) {
		env.Login(t, "alice@example.com", "first-password-1")
	})
}

// randomToken is a well-formed token that the server never issued.
func randomToken(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
