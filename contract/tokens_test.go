package contract_test

import (
	"encoding/base64"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"latchkey/app/apptest"
)

// claimsOf returns the claims of a token the server issued, unverified, to forge variants of.
func claimsOf(tb testing.TB, token string) jwt.MapClaims {
	tb.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		tb.Fatalf("parse issued token: %v", err)
	}
	return claims
}

// signToken signs claims, changed by edit, with method and key.
func signToken(tb testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims, edit func(jwt.MapClaims)) string {
	tb.Helper()
	c := jwt.MapClaims{}
	for k, v := range claims {
		c[k] = v
	}
	if edit != nil {
		edit(c)
	}
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return s
}

// meWith asks for me with the given bearer token.
func meWith(tb testing.TB, env *apptest.Env, token string) *apptest.Response {
	tb.Helper()
	return postJSON(tb, env, operation(tb, apptest.MeQuery, nil), http.Header{"Authorization": {"Bearer " + token}})
}

// wantUnauthenticated checks that r is the one UNAUTHENTICATED error a request without any token gets.
func wantUnauthenticated(tb testing.TB, env *apptest.Env, r *apptest.Response) {
	tb.Helper()
	anonymous := postJSON(tb, env, operation(tb, apptest.MeQuery, nil), nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		tb.Fatalf("want UNAUTHENTICATED, got HTTP %d: %s", r.Status, r.Body)
	}
	if r.Errors[0].Message != anonymous.Errors[0].Message || !reflect.DeepEqual(r.Errors[0].Extensions, anonymous.Errors[0].Extensions) {
		tb.Errorf("error differs from the one without a token:\n%s\n%s", r.Body, anonymous.Body)
	}
	if me := string(r.Data["me"]); me != "" && me != "null" {
		tb.Errorf("data.me = %s", me)
	}
}

func TestForgedAccessTokens(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	alice := env.Register(t, "alice", "alice@example.com", "first-password-1")
	bob := env.Register(t, "bob", "bob@example.com", "first-password-1")
	claims := claimsOf(t, alice.AccessToken)
	key := []byte(apptest.SecretKey)
	hs256 := jwt.SigningMethodHS256

	ttl := env.App.Config.Account.AccessTokenTTL
	sub := claims["sub"].(string)
	t.Run("SelfSignedLikeOursIsAccepted", func(t *testing.T) {
		// The forgeries below differ from this token in one thing each, so each is refused for that thing.
		if got := meEmail(t, env, signToken(t, hs256, key, claims, nil)); got != "alice@example.com" {
			t.Fatalf("me.email = %q", got)
		}
	})
	t.Run("LifetimeWithinTheLeewayIsAccepted", func(t *testing.T) {
		token := signToken(t, hs256, key, claims, func(c jwt.MapClaims) {
			c["iat"] = env.Clock.Now().Add(-time.Minute).Unix()
			c["exp"] = env.Clock.Now().Add(ttl).Unix()
		})
		if got := meEmail(t, env, token); got != "alice@example.com" {
			t.Fatalf("me.email = %q", got)
		}
	})

	for _, tc := range []struct {
		name  string
		token func(t *testing.T) string
	}{
		{"ErrAlgNone", func(t *testing.T) string {
			return signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims, nil)
		}},
		{"ErrAlgNoneWithSignature", func(t *testing.T) string {
			parts := strings.Split(alice.AccessToken, ".")
			return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]
		}},
		{"ErrOtherKey", func(t *testing.T) string {
			return signToken(t, hs256, []byte("another-secret-key-that-is-32-bytes-or-more"), claims, nil)
		}},
		{"ErrEmptyKey", func(t *testing.T) string {
			parts := strings.Split(signToken(t, hs256, []byte("x"), claims, nil), ".")
			return parts[0] + "." + parts[1] + "."
		}},
		{"ErrTamperedPayload", func(t *testing.T) string {
			parts := strings.Split(alice.AccessToken, ".")
			bobClaims := claimsOf(t, bob.AccessToken)
			forged := strings.Split(signToken(t, hs256, []byte("unknown"), claims, func(c jwt.MapClaims) { c["sub"] = bobClaims["sub"] }), ".")
			return parts[0] + "." + forged[1] + "." + parts[2]
		}},
		{"ErrHS512WhenHS256IsConfigured", func(t *testing.T) string {
			return signToken(t, jwt.SigningMethodHS512, key, claims, nil)
		}},
		{"ErrHS384WhenHS256IsConfigured", func(t *testing.T) string {
			return signToken(t, jwt.SigningMethodHS384, key, claims, nil)
		}},
		{"ErrWrongIssuer", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })
		}},
		{"ErrNoIssuer", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { delete(c, "iss") })
		}},
		{"ErrWrongAudience", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["aud"] = []string{"https://evil.example"} })
		}},
		{"ErrNoAudience", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { delete(c, "aud") })
		}},
		{"ErrExpired", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["exp"] = env.Clock.Now().Add(-time.Second).Unix() })
		}},
		{"ErrNoExpiry", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { delete(c, "exp") })
		}},
		{"ErrIssuedInTheFuture", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["iat"] = env.Clock.Now().Add(time.Hour).Unix() })
		}},
		{"ErrNotYetValid", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["nbf"] = env.Clock.Now().Add(time.Hour).Unix() })
		}},
		{"ErrUnknownUser", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["sub"] = "999999" })
		}},
		{"ErrSubjectNotAnID", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["sub"] = "alice@example.com" })
		}},
		{"ErrLivesLongerThanTheSetting", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) {
				c["exp"] = env.Clock.Now().Add(ttl + time.Minute + 2*time.Second).Unix()
			})
		}},
		{"ErrBackdatedLongLife", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) {
				c["iat"] = env.Clock.Now().Add(-24 * time.Hour).Unix()
				c["exp"] = env.Clock.Now().Add(time.Minute).Unix()
			})
		}},
		{"ErrNoIssuedAt", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { delete(c, "iat") })
		}},
		{"ErrCritHeader", func(t *testing.T) string {
			tok := jwt.NewWithClaims(hs256, claims)
			tok.Header["crit"] = []string{"sv"}
			s, err := tok.SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"ErrSubjectLeadingZero", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["sub"] = "0" + sub })
		}},
		{"ErrSubjectPlusSign", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["sub"] = "+" + sub })
		}},
		{"ErrSubjectLeadingSpace", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["sub"] = " " + sub })
		}},
		{"ErrSubjectDecimalPoint", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["sub"] = sub + ".0" })
		}},
		{"ErrOtherSessionVersion", func(t *testing.T) string {
			return signToken(t, hs256, key, claims, func(c jwt.MapClaims) { c["sv"] = claims["sv"].(float64) + 1 })
		}},
		{"ErrTwoTokens", func(t *testing.T) string { return alice.AccessToken + " " + alice.AccessToken }},
		{"ErrNotAJWT", func(t *testing.T) string { return "not.a.jwt" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantUnauthenticated(t, env, meWith(t, env, tc.token(t)))
		})
	}

	t.Run("ErrIssuedBeforePasswordChange", func(t *testing.T) {
		carol := env.Register(t, "carol", "carol@example.com", "first-password-1")
		wantOK(t, env.Query(t, carol.AccessToken, apptest.ChangeMutation, map[string]any{"c": "first-password-1", "n": "second-password-2"}))
		wantUnauthenticated(t, env, meWith(t, env, carol.AccessToken))
	})

	t.Run("ErrOwnTokenExpired", func(t *testing.T) {
		// Last: it moves the clock for the whole server.
		wantOK(t, meWith(t, env, alice.AccessToken))
		env.Clock.Advance(env.App.Config.Account.AccessTokenTTL + time.Second)
		wantUnauthenticated(t, env, meWith(t, env, alice.AccessToken))
	})
}

func TestHS256TokenRefusedWhenHS512IsConfigured(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2, Env: map[string]string{"ALGORITHM": "HS512"}})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	claims := claimsOf(t, s.AccessToken)
	wantOK(t, meWith(t, env, s.AccessToken))
	wantUnauthenticated(t, env, meWith(t, env, signToken(t, jwt.SigningMethodHS256, []byte(apptest.SecretKey), claims, nil)))
}

func TestMalformedResetTokens(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	bob := env.Register(t, "bob", "bob@example.com", "first-password-1")
	wantOK(t, env.Query(t, "", apptest.ForgotMutation, map[string]any{"e": "bob@example.com"}))
	deleted := env.ResetTokenFromMail(t, 1)
	wantOK(t, env.Query(t, bob.AccessToken, apptest.DeleteMutation, map[string]any{"p": "first-password-1"}))

	valid := strings.Repeat("A", 43) // well-formed, never issued
	var first *apptest.Response
	for _, tc := range []struct{ name, token string }{
		{"ErrNeverIssued", valid},
		{"ErrEmpty", ""},
		{"ErrTooShort", valid[:42]},
		{"ErrTooLong", valid + "A"},
		{"ErrPadded", valid + "="},
		{"ErrStandardBase64", valid[:41] + "+/"},
		{"ErrNotBase64", valid[:42] + "!"},
		{"ErrNonCanonicalLastCharacter", valid[:42] + "B"},
		{"ErrSurroundingSpace", " " + valid[:42]},
		{"ErrNonASCII", valid[:41] + "é"},
		{"ErrLineBreak", valid[:21] + "\r\n" + valid[:20]},
		{"ErrForDeletedUser", deleted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Query(t, "", apptest.ResetMutation, map[string]any{"t": tc.token, "p": "a-new-password-2"})
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INVALID_RESET_TOKEN" {
				t.Fatalf("want INVALID_RESET_TOKEN, got HTTP %d: %s", r.Status, r.Body)
			}
			if r.Errors[0].Message != "Invalid or expired reset token" {
				t.Errorf("message = %q", r.Errors[0].Message)
			}
			if first == nil {
				first = r
			} else if !reflect.DeepEqual(r.Errors[0].Extensions, first.Errors[0].Extensions) || r.Status != first.Status {
				t.Errorf("error differs from the first one:\n%s\n%s", r.Body, first.Body)
			}
			c := env.Query(t, "", apptest.CheckQuery, map[string]any{"t": tc.token})
			wantOK(t, c)
			if got := string(c.Data["checkResetToken"]); got != `{"valid":false,"expiresAt":null}` {
				t.Errorf("checkResetToken = %s", got)
			}
		})
	}
	env.Login(t, "alice@example.com", "first-password-1")
}

// TestAccessTokenHasOneSpelling: the signature's last base64url character carries two spare
// bits; a token with them changed decodes to the same bytes, yet is not the token we issued.
func TestAccessTokenHasOneSpelling(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, s.AccessToken[len(s.AccessToken)-1])
	twin := s.AccessToken[:len(s.AccessToken)-1] + string(alphabet[last^1])
	if _, err := base64.RawURLEncoding.DecodeString(twin[strings.LastIndexByte(twin, '.')+1:]); err != nil {
		t.Fatalf("the twin does not decode leniently, so it proves nothing: %v", err)
	}
	wantUnauthenticated(t, env, meWith(t, env, twin))
	if r := meWith(t, env, s.AccessToken); r.Code() != "" {
		t.Fatalf("the issued token stopped working: %s", r.Body)
	}
}
