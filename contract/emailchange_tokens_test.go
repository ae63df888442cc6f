package contract_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

// requestChange asks to move s's account to newEmail, sends the mail and returns the link's token.
func requestChange(tb testing.TB, env *apptest.Env, s apptest.Session, password, newEmail string) string {
	tb.Helper()
	before := len(env.SMTP.Messages())
	wantOK(tb, env.ChangeEmail(tb, s.AccessToken, newEmail, password))
	env.Flush(tb)
	got := env.MailTo(tb, before+2, newEmail)
	if len(got) == 0 {
		tb.Fatalf("no mail to %s", newEmail)
	}
	return env.ConfirmToken(tb, got[len(got)-1])
}

// TestEmailChangeToken: the link's token is 256 random bits, URL-safe, in the fragment; only its
// SHA-256 is stored, never the token, in the database file, its WAL or the outbox.
func TestEmailChangeToken(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"FRONTEND_URL": "https://accounts.example.test/"}})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	token := requestChange(t, env, s, "first-password-1", "alice@new.example")

	t.Run("256BitsURLSafeInFragment", func(t *testing.T) {
		if env.ConfirmLinkPrefix() != "https://accounts.example.test/confirm-email#token=" {
			t.Errorf("links start %q", env.ConfirmLinkPrefix())
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(token) {
			t.Errorf("token %q is not 43 URL-safe characters", token)
		}
		if b, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(b) != 32 {
			t.Errorf("token decodes to %d bytes (%v), want 32", len(b), err)
		}
	})
	t.Run("OnlyHashStored", func(t *testing.T) {
		db := env.OpenDB(t)
		var stored string
		if err := db.QueryRow(`SELECT token_hash FROM email_changes`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(token))
		if stored != hex.EncodeToString(sum[:]) {
			t.Errorf("token_hash = %q, want the SHA-256 of the token", stored)
		}
		files := env.DBFiles(t)
		if !bytes.Contains(files, []byte(stored)) {
			t.Fatal("the stored hash is not in the database files: the search below would prove nothing")
		}
		if bytes.Contains(files, []byte(token)) {
			t.Error("the token itself is in the database file or its WAL")
		}
	})
	t.Run("NotInTheLog", func(t *testing.T) {
		if strings.Contains(env.Logs(), token) {
			t.Error("the token is in the server's log")
		}
	})
}

// TestConfirmEmailChangeInvalidTokens: unknown, malformed, used and expired tokens all fail
// with INVALID_VERIFICATION_TOKEN and one message, and change nothing; a link works until
// EMAIL_VERIFICATION_EXPIRE_MINUTES have passed, and the cleanup deletes it after.
func TestConfirmEmailChangeInvalidTokens(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{"EMAIL_VERIFICATION_EXPIRE_MINUTES": "30"}})
	alice := env.Register(t, "alice", "alice@example.com", "first-password-1")
	bob := env.Register(t, "bob", "bob@example.com", "bob-password-1")
	used := requestChange(t, env, alice, "first-password-1", "alice@new.example")
	wantOK(t, env.ConfirmEmailChange(t, used))
	alice = env.Login(t, "alice@new.example", "first-password-1")
	expired := requestChange(t, env, alice, "first-password-1", "alice@third.example")
	inTime := requestChange(t, env, bob, "bob-password-1", "bob@new.example")

	env.Clock.Advance(29 * time.Minute)
	t.Run("OKJustBeforeExpiry", func(t *testing.T) {
		wantOK(t, env.ConfirmEmailChange(t, inTime))
	})
	env.Clock.Advance(time.Minute)
	unknownAnswer := env.ConfirmEmailChange(t, strings.Repeat("A", 43))
	wantError(t, unknownAnswer, "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	for name, token := range map[string]string{
		"ErrUsed": used, "ErrExpired": expired, "ErrMalformed": "not-a-token",
		"ErrEmpty": "", "ErrCarriageReturn": expired[:42] + "\r" + expired[42:],
		"ErrLong": strings.Repeat("A", 10_000),
	} {
		t.Run(name, func(t *testing.T) {
			sameError(t, env.ConfirmEmailChange(t, token), unknownAnswer)
		})
	}
	t.Run("NothingChanged", func(t *testing.T) {
		s := env.Login(t, "alice@new.example", "first-password-1")
		if got, _ := me(t, env, s.AccessToken); got != "alice@new.example" {
			t.Errorf("me.email = %q", got)
		}
	})
	t.Run("ExpiredCleanedUp", func(t *testing.T) {
		db := env.OpenDB(t)
		if n := count(t, db, `SELECT COUNT(*) FROM email_changes`); n != 1 {
			t.Fatalf("%d pending changes before the cleanup, want the expired one", n)
		}
		env.App.Accounts.DeleteExpiredEmailChanges(context.Background())
		if n := count(t, db, `SELECT COUNT(*) FROM email_changes`); n != 0 {
			t.Errorf("%d pending changes left after the cleanup", n)
		}
	})
}

// TestConfirmEmailChangeConcurrent: 30 confirmations of one token at once move the account once.
func TestConfirmEmailChangeConcurrent(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	token := requestChange(t, env, s, "first-password-1", "alice@new.example")

	const n = 30
	codes := make([]string, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			codes[i] = env.ConfirmEmailChange(t, token).Code()
		})
	}
	start.Done()
	done.Wait()
	won := 0
	for i, c := range codes {
		switch c {
		case "":
			won++
		case "INVALID_VERIFICATION_TOKEN":
		default:
			t.Errorf("confirmation %d: %s", i, c)
		}
	}
	if won != 1 {
		t.Errorf("%d confirmations succeeded, want exactly 1", won)
	}
	db := env.OpenDB(t)
	if n := count(t, db, `SELECT COUNT(*) FROM mail_outbox WHERE kind = 'email_changed'`); n != 1 {
		t.Errorf("%d notices to the old address queued, want 1", n)
	}
	var version int
	if err := db.QueryRow(`SELECT session_version FROM users`).Scan(&version); err != nil || version != 2 {
		t.Errorf("session version %d (%v), want 2: bumped once", version, err)
	}
}

// TestEmailChangeNewestLinkWins: a second request replaces the first one's link, and when it
// comes before the first one's mail went out, that mail is never sent.
func TestEmailChangeNewestLinkWins(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	first := requestChange(t, env, s, "first-password-1", "first@example.com")
	env.Clock.Advance(61 * time.Second)
	second := requestChange(t, env, s, "first-password-1", "second@example.com")
	t.Run("OlderLinkVoided", func(t *testing.T) {
		wantError(t, env.ConfirmEmailChange(t, first), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	})

	env.Clock.Advance(61 * time.Second)
	wantOK(t, env.ChangeEmail(t, s.AccessToken, "third@example.com", "first-password-1"))
	wantOK(t, env.ChangeEmail(t, s.AccessToken, "fourth@example.com", "first-password-1"))
	env.Flush(t)
	t.Run("ReplacedBeforeSentNeverSent", func(t *testing.T) {
		if got := env.MailTo(t, env.SMTP.Count(), "third@example.com"); len(got) != 0 {
			t.Errorf("%d mails to the address of the replaced request", len(got))
		}
		wantError(t, env.ConfirmEmailChange(t, second), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	})
	t.Run("NewestWorks", func(t *testing.T) {
		wantOK(t, env.ConfirmEmailChange(t, env.ConfirmToken(t, onlyMailTo(t, env, env.SMTP.Count(), "fourth@example.com"))))
		env.Login(t, "fourth@example.com", "first-password-1")
	})
}

// TestEmailChangeCancelledByPassword: a password change or reset after the request voids it,
// whether its link was mailed already or not yet: securing the account, as the notice to the
// current address advises, stops someone who knew the password from moving it.
func TestEmailChangeCancelledByPassword(t *testing.T) {
	t.Run("LinkSentBeforeReset", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{NoWorker: true})
		s := env.Register(t, "alice", "alice@example.com", "first-password-1")
		token := requestChange(t, env, s, "first-password-1", "mallory@example.com")
		env.Clock.Advance(61 * time.Second)
		wantOK(t, forgot(t, env, "alice@example.com"))
		env.Flush(t)
		wantOK(t, reset(t, env, env.ResetTokenFromMail(t, 3), "second-password-2"))
		wantError(t, env.ConfirmEmailChange(t, token), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
		env.Login(t, "alice@example.com", "second-password-2")
	})
	t.Run("PasswordChangedBeforeLinkSent", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{NoWorker: true})
		s := env.Register(t, "alice", "alice@example.com", "first-password-1")
		wantOK(t, env.ChangeEmail(t, s.AccessToken, "mallory@example.com", "first-password-1"))
		wantOK(t, changePassword(t, env, s.AccessToken, "first-password-1", "second-password-2"))
		env.Flush(t)
		for _, m := range env.SMTP.Messages() {
			if strings.Contains(m.Parsed.Text, env.ConfirmLinkPrefix()) {
				t.Errorf("a confirmation link went to %v after the password changed", m.To)
			}
		}
	})
}

// TestConfirmEmailChangeAddressTakenSince: an address that got an account after the request is
// not taken from it; the answer says so, and the account stays as it was.
func TestConfirmEmailChangeAddressTakenSince(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	token := requestChange(t, env, s, "first-password-1", "carol@example.com")
	env.Register(t, "carol", "carol@example.com", "carol-password-1")

	wantError(t, env.ConfirmEmailChange(t, token), "BAD_USER_INPUT", "token", "Another account now uses this email address")
	if got, _ := me(t, env, s.AccessToken); got != "alice@example.com" {
		t.Errorf("alice's address = %q, and her session must still work", got)
	}
	env.Login(t, "carol@example.com", "carol-password-1")
}

// TestConfirmEmailChangeOnlyOverPOST: the token is refused over GET, before anything runs.
func TestConfirmEmailChangeOnlyOverPOST(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	token := requestChange(t, env, s, "first-password-1", "alice@new.example")
	r := getQuery(t, env, url.Values{"query": {apptest.ConfirmEmailChangeMutation}, "variables": {`{"t":"` + token + `"}`}}, nil)
	wantRefused(t, r, http.StatusMethodNotAllowed, "BAD_USER_INPUT")
	if got := r.Header.Get("Allow"); got != "POST" {
		t.Errorf("Allow = %q, want POST", got)
	}
	wantOK(t, env.ConfirmEmailChange(t, token)) // unspent by the refused GET
}

// TestConfirmEmailChangeOwnAllowance: confirmations are limited per client IP, from an allowance
// of RATE_LIMIT_RESET_PASSWORD_PER_MINUTE of their own, so that trying tokens cannot use up resets.
func TestConfirmEmailChangeOwnAllowance(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: map[string]string{
		"RATE_LIMIT_ENABLED":                   "true",
		"RATE_LIMIT_RESET_PASSWORD_PER_MINUTE": "2",
	}})
	made := strings.Repeat("A", 43)
	for range 2 {
		wantError(t, env.ConfirmEmailChange(t, made), "INVALID_VERIFICATION_TOKEN", "", invalidVerification)
	}
	wantRateLimited(t, env.ConfirmEmailChange(t, made))
	for range 2 {
		wantError(t, reset(t, env, made, "a-new-password-1"), "INVALID_RESET_TOKEN", "", "")
	}
	wantRateLimited(t, reset(t, env, made, "a-new-password-1"))
}

// TestChangeEmailConcurrentRequests: requests of one account at once all get the answer, and
// leave one pending change, whose link is the only one sent.
func TestChangeEmailConcurrentRequests(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Env: behindProxy})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	const n = 10
	// One session each, a second apart (tokens of one second are the same): a session's checks at
	// once would throttle each other.
	sessions := make([]apptest.Session, n)
	for i := range sessions {
		env.Clock.Advance(time.Second)
		sessions[i] = env.Login(t, "alice@example.com", "first-password-1")
	}
	answers := make([]*apptest.Response, n)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() {
			// Each from its own address: the hasher lets one client hold two slots at most.
			answers[i] = changeEmailFrom(t, env, fmt.Sprintf("198.51.100.%d", i+1), s.AccessToken, fmt.Sprintf("new%d@example.com", i))
		})
	}
	wg.Wait()
	for i, r := range answers {
		if got := message(t, r, "changeEmail"); got != changeEmailMessage {
			t.Errorf("request %d: %q", i, got)
		}
	}
	if c := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM email_changes`); c != 1 {
		t.Fatalf("%d pending changes, want 1", c)
	}
	env.Flush(t)
	var links []string
	for _, m := range env.SMTP.Messages() {
		if _, ok := emailtest.FindLink(m.Parsed.Text, env.ConfirmLinkPrefix()); ok {
			links = append(links, env.ConfirmToken(t, m))
		}
	}
	if len(links) != 1 {
		t.Fatalf("%d links sent, want 1", len(links))
	}
	wantOK(t, env.ConfirmEmailChange(t, links[0]))
}

func changeEmailFrom(tb testing.TB, env *apptest.Env, ip, token, newEmail string) *apptest.Response {
	tb.Helper()
	body := operation(tb, apptest.ChangeEmailMutation, map[string]any{"n": newEmail, "p": "first-password-1"})
	return postJSON(tb, env, body, http.Header{"Authorization": {"Bearer " + token}, "X-Forwarded-For": {ip}})
}
