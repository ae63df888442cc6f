package account

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"latchkey/ent"
)

var (
	usernamePattern   = regexp.MustCompile(`^[A-Za-z0-9._-]{3,64}$`)
	resetTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`) // what NewResetToken makes
)

// FuzzInputValidation feeds one string to every input check of the rules: none may panic, each
// refusal is BAD_USER_INPUT for the right field, and what is accepted keeps its promises.
func FuzzInputValidation(f *testing.F) {
	policy := PasswordPolicy{MinLength: 8}
	f.Fuzz(func(t *testing.T, s string) {
		email, err := normalizeEmail("email", s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeBadUserInput || e.Field != "email" {
				t.Fatalf("normalizeEmail(%q) error = %#v, want BAD_USER_INPUT for email", s, err)
			}
		} else {
			checkNormalizedEmail(t, s, email)
		}

		if err := validUsername(s); (err == nil) != usernamePattern.MatchString(s) {
			t.Fatalf("validUsername(%q) = %v, pattern says %v", s, err, usernamePattern.MatchString(s))
		} else if err != nil && ErrorCode(err) != CodeBadUserInput {
			t.Fatalf("validUsername(%q) error code = %s", s, ErrorCode(err))
		}

		n := utf8.RuneCountInString(s)
		acceptable := utf8.ValidString(s) && !strings.ContainsRune(s, 0) && n >= 8 && n <= 128 && !IsCommonPassword(s)
		if reason := policy.Check(s); (reason == "") != acceptable {
			t.Fatalf("Check(%q) = %q, want acceptable = %v", s, reason, acceptable)
		}

		// The decoder skips \r and \n, so the alphabet is checked apart from decoding.
		decoded, err := base64.RawURLEncoding.Strict().DecodeString(s)
		wellFormed := resetTokenPattern.MatchString(s) && err == nil
		if wellFormedResetToken(s) != wellFormed {
			t.Fatalf("wellFormedResetToken(%q) = %v, want %v", s, !wellFormed, wellFormed)
		}
		if wellFormed && (len(decoded) != resetTokenBytes || base64.RawURLEncoding.EncodeToString(decoded) != s) {
			t.Fatalf("token %q is well-formed but not the encoding of %d bytes", s, resetTokenBytes)
		}
	})
}

// checkNormalizedEmail holds what an accepted email promises: lower-case, a fixed point of
// normalisation, one bare address that fits the column and cannot break a mail header.
func checkNormalizedEmail(t *testing.T, raw, email string) {
	t.Helper()
	if email != strings.ToLower(email) {
		t.Fatalf("normalizeEmail(%q) = %q, not lower-case", raw, email)
	}
	if again, err := normalizeEmail("email", email); err != nil || again != email {
		t.Fatalf("normalizeEmail(%q) = %q, %v; want it unchanged", email, again, err)
	}
	if !utf8.ValidString(email) || len(email) > 254 || strings.ContainsAny(email, "\x00\r\n") {
		t.Fatalf("normalizeEmail(%q) = %q: invalid UTF-8, too long or a control character", raw, email)
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(email, " \t<>,;\"") {
		t.Fatalf("normalizeEmail(%q) = %q is not one bare address", raw, email)
	}
	if !isASCII(email) {
		return
	}
	// The same address typed in capitals with stray spaces is the same account.
	if other, err := normalizeEmail("email", " "+strings.ToUpper(email)+"\t"); err != nil || other != email {
		t.Fatalf("normalizeEmail of %q in capitals = %q, %v; want %q", email, other, err, email)
	}
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FuzzAccessToken: whatever is sent as an access token, parsing never panics and refuses with
// the one UNAUTHENTICATED error, unless the token is signed with our key, in our algorithm, for
// us, and unexpired.
func FuzzAccessToken(f *testing.F) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	key := []byte("fuzz-secret-key-that-is-at-least-32-bytes")
	const issuer = "https://accounts.example.test"
	s := newTestService(f, at(now), func(c *Config) { c.SecretKey, c.Issuer = key, issuer })
	// Tokens issued at the fixed time above are the same on every run, so the committed
	// corpus can hold them and their near misses.
	sess, err := s.tokenOnly(&ent.User{ID: 42, SessionVersion: 3})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sess.AccessToken)

	f.Fuzz(func(t *testing.T, token string) {
		claims, err := s.parseAccessToken(token)
		if err != nil {
			if err != errUnauthenticated {
				t.Fatalf("parseAccessToken(%q) error = %v, want the UNAUTHENTICATED error", token, err)
			}
			return
		}
		// Accepted: check from first principles that we could have issued it.
		parts := strings.Split(token, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted %q, which has %d segments", token, len(parts))
		}
		var header struct{ Alg string }
		if raw, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(raw, &header) != nil || header.Alg != "HS256" {
			t.Fatalf("accepted %q with header alg %q", token, header.Alg)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			t.Fatalf("accepted %q, which our key did not sign", token)
		}
		if claims.Issuer != issuer || !slices.Contains(claims.Audience, issuer) {
			t.Fatalf("accepted %q for issuer %q, audience %q", token, claims.Issuer, claims.Audience)
		}
		if claims.ExpiresAt == nil || !claims.ExpiresAt.After(now) || claims.IssuedAt == nil || claims.IssuedAt.After(now) ||
			claims.ExpiresAt.Sub(claims.IssuedAt.Time) > 31*time.Minute {
			t.Fatalf("accepted %q outside its lifetime", token)
		}
		if id, err := strconv.Atoi(claims.Subject); err != nil || strconv.Itoa(id) != claims.Subject {
			t.Fatalf("accepted %q with subject %q", token, claims.Subject)
		}
	})
}
