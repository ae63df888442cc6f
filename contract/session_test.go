package contract_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"latchkey/app/apptest"
)

func TestMe(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"ACCESS_TOKEN_EXPIRE_MINUTES": "5"}})
	before := env.Clock.Now()
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")

	t.Run("OK", func(t *testing.T) {
		r := env.Query(t, s.AccessToken, apptest.MeQuery, nil)
		wantOK(t, r)
		var u struct {
			ID, Username, Email string
			CreatedAt           time.Time
		}
		r.Decode(t, "me", &u)
		if u.ID != s.User.ID || u.Username != "alice" || u.Email != "alice@example.com" {
			t.Errorf("me = %+v, want alice's account", u)
		}
		if u.CreatedAt.IsZero() || u.CreatedAt.Location() != time.UTC {
			t.Errorf("createdAt = %v, want a UTC time", u.CreatedAt)
		}
	})

	t.Run("ExpiresAtFollowsSetting", func(t *testing.T) {
		if want := before.Add(5 * time.Minute); s.ExpiresAt.Before(want.Add(-time.Minute)) || s.ExpiresAt.After(want.Add(time.Minute)) {
			t.Errorf("expiresAt = %v, want about %v (ACCESS_TOKEN_EXPIRE_MINUTES=5)", s.ExpiresAt, want)
		}
	})

	t.Run("SchemeIsCaseInsensitive", func(t *testing.T) {
		req := meRequest(t, env, "bearer "+s.AccessToken)
		wantOK(t, env.Do(t, req))
	})

	for _, tc := range []struct{ name, header string }{
		{"ErrNoToken", ""},
		{"ErrGarbageToken", "Bearer garbage"},
		{"ErrEmptyBearer", "Bearer "},
		{"ErrOtherScheme", "Basic " + s.AccessToken},
		{"ErrTamperedSignature", "Bearer " + tamper(s.AccessToken)},
		{"ErrUnsignedToken", "Bearer " + unsigned(t, s.AccessToken)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, meRequest(t, env, tc.header))
			wantError(t, r, "UNAUTHENTICATED", "", "")
			if string(r.Data["me"]) != "" && string(r.Data["me"]) != "null" {
				t.Errorf("data.me = %s, want null", r.Data["me"])
			}
		})
	}

	t.Run("ErrExpired", func(t *testing.T) {
		env.Clock.Advance(5*time.Minute + time.Second)
		wantSignedOut(t, env, s.AccessToken)
	})
}

func meRequest(tb testing.TB, env *apptest.Env, authorization string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, env.URL()+"/graphql", strings.NewReader(`{"query":"{me{id username email createdAt}}"}`))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return req
}

// tamper changes one character of a JWT's signature.
func tamper(token string) string {
	i := strings.LastIndexByte(token, '.') + 1
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

// unsigned is token with its header replaced by {"alg":"none","typ":"JWT"} and no signature.
func unsigned(tb testing.TB, token string) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("not a JWT: %q", token)
	}
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}
