package contract_test

import (
	"crypto"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"latchkey/app/apptest"
	"latchkey/keyset"
)

// newKey makes a signing key for alg.
func newKey(tb testing.TB, alg string) crypto.Signer {
	tb.Helper()
	k, err := keyset.Generate(alg)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// kidOf is the id the server gives k.
func kidOf(tb testing.TB, k crypto.Signer) string {
	tb.Helper()
	id, err := keyset.ID(k.Public())
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// writeKeyFile writes keys, the signer first, as SIGNING_KEYS_FILE wants them, to path.
func writeKeyFile(tb testing.TB, path string, keys ...crypto.Signer) {
	tb.Helper()
	var data []byte
	for _, k := range keys {
		b, err := keyset.EncodePEM(k)
		if err != nil {
			tb.Fatal(err)
		}
		data = append(data, b...)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// startSigning starts a server that signs with alg and the keys in path, on dbURL ("" for a
// fresh database).
func startSigning(tb testing.TB, alg, path, dbURL string) *apptest.Env {
	tb.Helper()
	return apptest.Start(tb, apptest.Setup{Argon2: cheapArgon2, DatabaseURL: dbURL,
		Env: map[string]string{"ALGORITHM": alg, "SIGNING_KEYS_FILE": path}})
}

// jwksVerifier is what a resource server does: fetch the JWK Set with a standard JWKS client
// and verify tokens against it, pinned to alg, this issuer and this audience.
func jwksVerifier(tb testing.TB, env *apptest.Env, alg string) func(token string) (*jwt.Token, error) {
	tb.Helper()
	strict := false
	k, err := keyfunc.NewDefaultOverrideCtx(tb.Context(), []string{env.URL() + "/.well-known/jwks.json"}, keyfunc.Override{
		Client:                    env.HTTP.Client(),
		NoErrorReturnFirstHTTPReq: &strict, // a JWK Set the client cannot read fails the test here
	})
	if err != nil {
		tb.Fatalf("JWKS client: %v", err)
	}
	issuer := env.App.Config.Account.FrontendURL
	return func(token string) (*jwt.Token, error) {
		return jwt.Parse(token, k.Keyfunc, jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(issuer), jwt.WithAudience(issuer), jwt.WithExpirationRequired())
	}
}

// jwkSet fetches the served key set and checks how it is served.
func jwkSet(tb testing.TB, env *apptest.Env) []map[string]string {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL()+"/.well-known/jwks.json", nil)
	r := env.Do(tb, req)
	if r.Status != http.StatusOK {
		tb.Fatalf("GET /.well-known/jwks.json = %d: %s", r.Status, r.Body)
	}
	if ct, cc := r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"); ct != "application/json" || cc != "public, max-age=300" {
		tb.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(r.Body, &set); err != nil {
		tb.Fatalf("JWK Set %s: %v", r.Body, err)
	}
	return set.Keys
}

func kids(keys []map[string]string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k["kid"])
	}
	return out
}

// TestJWKSVerifiesAccessTokens: another service verifies a login's access token with nothing
// but the served JWK Set and a standard JWKS client, and the token works for me.
func TestJWKSVerifiesAccessTokens(t *testing.T) {
	for _, tc := range []struct{ alg, kty, crv string }{{"EdDSA", "OKP", "Ed25519"}, {"ES256", "EC", "P-256"}} {
		t.Run(tc.alg, func(t *testing.T) {
			key := newKey(t, tc.alg)
			path := filepath.Join(t.TempDir(), "keys.pem")
			writeKeyFile(t, path, key)
			env := startSigning(t, tc.alg, path, "")
			env.Register(t, "alice", "alice@example.com", "first-password-1")
			s := env.Login(t, "alice@example.com", "first-password-1")

			keys := jwkSet(t, env)
			if len(keys) != 1 {
				t.Fatalf("served %d keys, want 1: %v", len(keys), keys)
			}
			want := []string{"alg", "crv", "kid", "kty", "use", "x"}
			if tc.alg == "ES256" {
				want = append(want, "y")
			}
			got := keys[0]
			if k := slices.Sorted(maps.Keys(got)); !slices.Equal(k, want) {
				t.Errorf("served members %v, want exactly %v", k, want)
			}
			if got["kty"] != tc.kty || got["crv"] != tc.crv || got["alg"] != tc.alg || got["use"] != "sig" || got["kid"] != kidOf(t, key) {
				t.Errorf("served %v", got)
			}

			parsed, err := jwksVerifier(t, env, tc.alg)(s.AccessToken)
			if err != nil {
				t.Fatalf("the JWKS client refused a login's token: %v", err)
			}
			if parsed.Header["kid"] != kidOf(t, key) {
				t.Errorf("token kid = %v, want %s", parsed.Header["kid"], kidOf(t, key))
			}
			if sub, _ := parsed.Claims.GetSubject(); sub != s.User.ID {
				t.Errorf("sub = %q, want the user id %s", sub, s.User.ID)
			}
			if got := meEmail(t, env, s.AccessToken); got != "alice@example.com" {
				t.Errorf("me.email = %q", got)
			}
		})
	}
}

// TestSigningKeyRotation: a new key put first signs the new tokens while the old one still
// verifies the tokens it signed, for Latchkey and for a JWKS client alike; once the old key is
// taken out, its tokens stop working.
func TestSigningKeyRotation(t *testing.T) {
	const alg = "EdDSA"
	oldKey, newK := newKey(t, alg), newKey(t, alg)
	path := filepath.Join(t.TempDir(), "keys.pem")
	writeKeyFile(t, path, oldKey)
	before := startSigning(t, alg, path, "")
	before.Register(t, "alice", "alice@example.com", "first-password-1")
	oldToken := before.Login(t, "alice@example.com", "first-password-1").AccessToken
	before.Stop()

	writeKeyFile(t, path, newK, oldKey)
	during := startSigning(t, alg, path, before.DatabaseURL)
	if got, want := kids(jwkSet(t, during)), []string{kidOf(t, newK), kidOf(t, oldKey)}; !slices.Equal(got, want) {
		t.Fatalf("served kids %v, want the new key first %v", got, want)
	}
	verify := jwksVerifier(t, during, alg)
	if _, err := verify(oldToken); err != nil {
		t.Errorf("the JWKS client refused a token of the old key: %v", err)
	}
	if got := meEmail(t, during, oldToken); got != "alice@example.com" {
		t.Errorf("me with the old key's token: %q", got)
	}
	newToken := during.Login(t, "alice@example.com", "first-password-1").AccessToken
	if kid := claimsHeader(t, newToken)["kid"]; kid != kidOf(t, newK) {
		t.Errorf("a new token carries kid %v, want the new key's %s", kid, kidOf(t, newK))
	}
	if _, err := verify(newToken); err != nil {
		t.Errorf("the JWKS client refused a token of the new key: %v", err)
	}
	t.Run("ErrOldKeyUnderNewKid", func(t *testing.T) {
		// Each token is checked with the key its kid names, not with whichever key fits.
		token := withKid(t, jwt.SigningMethodEdDSA, oldKey, newToken, kidOf(t, newK))
		wantUnauthenticated(t, during, meWith(t, during, token))
	})
	during.Stop()

	writeKeyFile(t, path, newK)
	after := startSigning(t, alg, path, before.DatabaseURL)
	wantUnauthenticated(t, after, meWith(t, after, oldToken))
	if got := meEmail(t, after, newToken); got != "alice@example.com" {
		t.Errorf("me with the new key's token after the old key left: %q", got)
	}
	if got := kids(jwkSet(t, after)); !slices.Equal(got, []string{kidOf(t, newK)}) {
		t.Errorf("served kids %v after the old key left", got)
	}
}

// TestHS256ServesNoJWKS: with a shared secret nothing is published, not even an empty set.
func TestHS256ServesNoJWKS(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, env.URL()+"/.well-known/jwks.json", nil)
		if r := env.Do(t, req); r.Status != http.StatusNotFound || json.Valid(r.Body) {
			t.Errorf("%s /.well-known/jwks.json = %d %q, want a 404 page", method, r.Status, r.Body)
		}
	}
}

// claimsHeader is the unverified header of token.
func claimsHeader(tb testing.TB, token string) map[string]any {
	tb.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		tb.Fatal(err)
	}
	return parsed.Header
}

// withKid re-signs token's claims with key under header kid (nil: no kid). An ES256 signature
// is given the low s that the server issues, so that a forgery differs from ours only in what
// it means to.
func withKid(tb testing.TB, method jwt.SigningMethod, key any, token string, kid any) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, claimsOf(tb, token))
	if kid != nil {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	if method == jwt.SigningMethodES256 && !lowS(tb, s) {
		s = highSTwin(tb, s)
	}
	return s
}
