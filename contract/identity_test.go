package contract_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"

	"latchkey/app/apptest"
)

const (
	duplicateEmail = "An account with this email already exists"
	invalidEmail   = "Enter a valid email address"
	badCredentials = "Incorrect email or password"
)

// TestLookAlikeEmailsAreOneAccount: two spellings of one mailbox register one account; the
// other spelling is the duplicate, and it signs in and asks for a reset like the first.
func TestLookAlikeEmailsAreOneAccount(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	for i, tc := range []struct{ name, first, second, stored string }{
		{"NFCAndNFDLocalPart", "jos\u00e9@example.com", "jose\u0301@example.com", "jos\u00e9@example.com"},
		{"NFDAndNFCLocalPart", "rene\u0301@example.com", "ren\u00e9@example.com", "ren\u00e9@example.com"},
		{"ULabelAndALabel", "user@b\u00fccher.example", "user@xn--bcher-kva.example", "user@xn--bcher-kva.example"},
		{"ALabelAndULabel", "user@xn--mller-kva.example", "user@M\u00dcLLER.example", "user@xn--mller-kva.example"},
		{"CapitalsAndLowerCase", "Alice@Example.COM", "alice@example.com", "alice@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := env.Register(t, fmt.Sprintf("user%d", i), tc.first, "first-password-1")
			if s.User.Email != tc.stored {
				t.Errorf("stored email = %q, want %q", s.User.Email, tc.stored)
			}
			wantError(t, register(t, env, fmt.Sprintf("other%d", i), tc.second, "first-password-1"), "BAD_USER_INPUT", "email", duplicateEmail)
			if other := env.Login(t, tc.second, "first-password-1"); other.User.ID != s.User.ID {
				t.Errorf("signing in as %q opened account %s, want %s", tc.second, other.User.ID, s.User.ID)
			}
			if got := message(t, forgot(t, env, tc.second), "forgotPassword"); got != forgotMessage {
				t.Errorf("forgotPassword(%q) = %q", tc.second, got)
			}
		})
	}
}

// TestLookAlikeEmailsRefused: addresses that could pass for another one, or are no mailbox at
// a domain name, are refused by register and forgotPassword; login gives its one answer.
func TestLookAlikeEmailsRefused(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	env.Register(t, "paypal", "paypal@example.com", "first-password-1")
	for i, tc := range []struct{ name, email string }{
		{"ZeroWidthSpace", "ali\u200bce@example.com"},
		{"ZeroWidthSpaceAtEnd", "alice\u200b@example.com"},
		{"ZeroWidthSpaceInDomain", "alice@exam\u200bple.com"},
		{"ZeroWidthJoiner", "ali\u200dce@example.com"},
		{"ZeroWidthNonJoiner", "ali\u200cce@example.com"},
		{"WordJoiner", "alice\u2060@example.com"},
		{"ByteOrderMark", "\ufeffalice@example.com"},
		{"SoftHyphen", "ali\u00adce@example.com"},
		{"VariationSelector", "alice\ufe0f@example.com"},
		{"BidiOverride", "\u202ealice@example.com"},
		{"TagCharacter", "alice\U000e0041@example.com"},
		{"LatinAndCyrillic", "p\u0430ypal@example.com"},
		{"BareIPAddress", "root@10.0.0.5"},
		{"AddressLiteral", "user@[10.0.0.5]"},
		{"SingleLabelDomain", "postmaster@localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := register(t, env, fmt.Sprintf("lookalike%d", i), tc.email, "first-password-1")
			wantError(t, r, "BAD_USER_INPUT", "email", invalidEmail)
			wantError(t, forgot(t, env, tc.email), "BAD_USER_INPUT", "email", invalidEmail)
			wantError(t, login(t, env, tc.email, "first-password-1"), "UNAUTHENTICATED", "", badCredentials)
		})
	}
}

// TestUsernameCaseRace: twenty rounds of Racer<n> and racer<n> registering at the same moment.
// On PostgreSQL both pass the check for an existing name; only the database's unique index on
// the folded username keeps the second one out.
func TestUsernameCaseRace(t *testing.T) {
	const rounds = 20
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	for n := range rounds {
		names := []string{fmt.Sprintf("Racer%d", n), fmt.Sprintf("racer%d", n)}
		var (
			wg      sync.WaitGroup
			results [2]*apptest.Response
			errs    [2]error
		)
		start := make(chan struct{})
		for i, name := range names {
			wg.Go(func() {
				<-start
				vars := map[string]any{"u": name, "e": fmt.Sprintf("racer%d-%d@example.com", n, i), "p": "first-password-1"}
				results[i], errs[i] = postRegister(env, vars)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("round %d, %s: %v", n, names[i], errs[i])
			}
			if len(r.Errors) == 0 {
				won++
				continue
			}
			wantError(t, r, "BAD_USER_INPUT", "username", "This username is taken")
		}
		if won != 1 {
			t.Errorf("round %d: %d of %v registered, want exactly one", n, won, names)
		}
	}
	if got := count(t, env.OpenDB(t), `SELECT COUNT(*) FROM users`); got != rounds {
		t.Errorf("%d users, want %d", got, rounds)
	}
}

// postRegister is register for goroutines, which must not stop the test.
func postRegister(env *apptest.Env, vars map[string]any) (*apptest.Response, error) {
	status, body, err := postAs(env, call{"", apptest.RegisterMutation, vars}, "")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", status, body)
	}
	r := &apptest.Response{Status: status, Body: body}
	return r, json.Unmarshal(body, r)
}

// TestPasswordNormalised: a password is the same in NFC and NFD (NIST SP 800-63B's NFKC), and
// a hash made before that rule from a decomposed password still opens the account and is
// replaced by one of the normalised form.
func TestPasswordNormalised(t *testing.T) {
	const nfc, nfd = "caf\u00e9-cr\u00e8me-br\u00fbl\u00e9e", "cafe\u0301-cre\u0300me-bru\u0302le\u0301e"
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})

	t.Run("NFDSpellingSignsIn", func(t *testing.T) {
		s := env.Register(t, "alice", "alice@example.com", nfc)
		if other := env.Login(t, "alice@example.com", nfd); other.User.ID != s.User.ID {
			t.Errorf("signed in to %s, want %s", other.User.ID, s.User.ID)
		}
	})

	t.Run("NFCSpellingSignsIn", func(t *testing.T) {
		s := env.Register(t, "carol", "carol@example.com", nfd)
		if other := env.Login(t, "carol@example.com", nfc); other.User.ID != s.User.ID {
			t.Errorf("signed in to %s, want %s", other.User.ID, s.User.ID)
		}
	})

	t.Run("OldNFDHashUpgraded", func(t *testing.T) {
		salt := []byte("sixteen byte slt")
		key := argon2.IDKey([]byte(nfd), salt, quickHashing.Iterations, quickHashing.Memory, quickHashing.Parallelism, quickHashing.KeyLen)
		b64 := base64.RawStdEncoding
		old := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", quickHashing.Memory, quickHashing.Iterations,
			quickHashing.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
		env.App.DB.Client.User.Create().SetUsername("bob").SetEmail("bob@example.com").SetPasswordHash(old).
			ExecX(context.Background())
		db := env.OpenDB(t)
		stored := func() string {
			var h string
			if err := db.QueryRow(`SELECT password_hash FROM users WHERE username = 'bob'`).Scan(&h); err != nil {
				t.Fatal(err)
			}
			return h
		}

		// The old hash knows only the raw spelling.
		wantError(t, login(t, env, "bob@example.com", nfc), "UNAUTHENTICATED", "", badCredentials)
		env.Login(t, "bob@example.com", nfd)
		if got := stored(); got == old || !strings.HasPrefix(got, "$argon2id$") {
			t.Fatalf("hash after signing in = %q, want a new one", got)
		}
		env.Login(t, "bob@example.com", nfc)
		env.Login(t, "bob@example.com", nfd)
	})
}
