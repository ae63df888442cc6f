package contract_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"latchkey/app/apptest"
)

// TestAsymmetricForgedTokens: with EdDSA or ES256 a token passes only when the key its kid
// names signed it, in the configured algorithm. Whoever holds the published public key cannot
// use it as an HMAC secret (alg confusion), nor swap in another algorithm, key or kid; and even
// SECRET_KEY, which the server still holds, signs nothing it accepts.
func TestAsymmetricForgedTokens(t *testing.T) {
	for _, tc := range []struct {
		alg          string
		method, swap jwt.SigningMethod // ours, and another asymmetric one
		swapKey      crypto.Signer
	}{
		{"EdDSA", jwt.SigningMethodEdDSA, jwt.SigningMethodES256, newKey(t, "ES256")},
		{"ES256", jwt.SigningMethodES256, jwt.SigningMethodEdDSA, newKey(t, "EdDSA")},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			ours, stranger := newKey(t, tc.alg), newKey(t, tc.alg)
			path := filepath.Join(t.TempDir(), "keys.pem")
			writeKeyFile(t, path, ours)
			env := startSigning(t, tc.alg, path, "")
			issued := env.Register(t, "alice", "alice@example.com", "first-password-1").AccessToken
			kid := kidOf(t, ours)
			resign := func(method jwt.SigningMethod, key any, kid any) string {
				return withKid(t, method, key, issued, kid)
			}
			t.Run("SelfSignedLikeOursIsAccepted", func(t *testing.T) {
				if got := meEmail(t, env, resign(tc.method, ours, kid)); got != "alice@example.com" {
					t.Fatalf("me.email = %q", got)
				}
			})
			for name, token := range publicKeyAsSecret(t, env, issued, kid, ours.Public()) {
				t.Run("ErrHS256KeyedWith"+name, func(t *testing.T) {
					wantUnauthenticated(t, env, meWith(t, env, token))
				})
			}
			for _, c := range []struct{ name, token string }{
				{"ErrHS256KeyedWithSecretKey", resign(jwt.SigningMethodHS256, []byte(apptest.SecretKey), kid)},
				{"ErrAlgNone", resign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid)},
				{"ErrOtherAlgorithmUnderOurKid", resign(tc.swap, tc.swapKey, kid)},
				{"ErrES384UnderOurKid", resign(jwt.SigningMethodES384, p384Key(t), kid)},
				{"ErrNoKid", resign(tc.method, ours, nil)},
				{"ErrUnknownKid", resign(tc.method, ours, "unknown-kid")},
				{"ErrKidNotAString", resign(tc.method, ours, 7)},
				{"ErrOtherKeyUnderOurKid", resign(tc.method, stranger, kid)},
				{"ErrOtherKeyUnderItsKid", resign(tc.method, stranger, kidOf(t, stranger))},
				{"ErrEmbeddedJWK", embeddedJWK(t, tc.method, stranger, issued, kid)},
			} {
				t.Run(c.name, func(t *testing.T) {
					wantUnauthenticated(t, env, meWith(t, env, c.token))
				})
			}
			if tc.alg == "ES256" {
				t.Run("ErrSignatureTwin", func(t *testing.T) {
					if !lowS(t, issued) {
						t.Fatal("the server issued a high-s signature")
					}
					wantUnauthenticated(t, env, meWith(t, env, highSTwin(t, issued)))
					if got := meEmail(t, env, issued); got != "alice@example.com" {
						t.Fatalf("the issued token stopped working: %q", got)
					}
				})
			}
		})
	}
}

// TestHSServerRefusesAsymmetricTokens: with HS256 an EdDSA token is refused whatever its key.
func TestHSServerRefusesAsymmetricTokens(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	issued := env.Register(t, "alice", "alice@example.com", "first-password-1").AccessToken
	k := newKey(t, "EdDSA")
	wantUnauthenticated(t, env, meWith(t, env, withKid(t, jwt.SigningMethodEdDSA, k, issued, kidOf(t, k))))
}

// publicKeyAsSecret signs issued's claims with HS256 keyed by every form in which the public
// key is published or commonly written: what a verifier that takes alg from the token and
// hands "the key" to HMAC would accept.
func publicKeyAsSecret(tb testing.TB, env *apptest.Env, issued, kid string, pub crypto.PublicKey) map[string]string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	served := jwkSet(tb, env)[0]
	x, _ := base64.RawURLEncoding.DecodeString(served["x"])
	jwk, _ := json.Marshal(served)
	req, _ := http.NewRequest(http.MethodGet, env.URL()+"/.well-known/jwks.json", nil)
	forms := map[string][]byte{
		"RawX":     x,
		"X":        []byte(served["x"]),
		"SPKIDER":  der,
		"SPKIPEM":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"JWK":      jwk,
		"JWKSBody": env.Do(tb, req).Body,
	}
	if ec, ok := pub.(*ecdsa.PublicKey); ok {
		point, _ := ec.Bytes()
		forms["Point"] = point
	}
	out := map[string]string{}
	for name, secret := range forms {
		out[name] = withKid(tb, jwt.SigningMethodHS256, secret, issued, kid)
	}
	return out
}

func p384Key(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// embeddedJWK signs with key and carries key's public half in a jwk header (RFC 7515 §4.1.3),
// with jku pointing elsewhere, under our kid: a server must never take a key from the token.
func embeddedJWK(tb testing.TB, method jwt.SigningMethod, key crypto.Signer, issued, kid string) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, claimsOf(tb, issued))
	tok.Header["kid"] = kid
	tok.Header["jku"] = "https://attacker.example/jwks.json"
	switch pub := key.Public().(type) {
	case ed25519.PublicKey:
		tok.Header["jwk"] = map[string]string{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub), "kid": kid}
	case *ecdsa.PublicKey:
		point, _ := pub.Bytes()
		tok.Header["jwk"] = map[string]string{"kty": "EC", "crv": "P-256", "kid": kid,
			"x": base64.RawURLEncoding.EncodeToString(point[1:33]), "y": base64.RawURLEncoding.EncodeToString(point[33:])}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// highSTwin is token with its ES256 signature (r, s) replaced by (r, n-s), which verifies too.
func highSTwin(tb testing.TB, token string) string {
	tb.Helper()
	dot, sig := es256Signature(tb, token)
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s).FillBytes(sig[32:])
	return token[:dot+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// lowS reports whether token's ES256 signature has s at most n/2.
func lowS(tb testing.TB, token string) bool {
	tb.Helper()
	_, sig := es256Signature(tb, token)
	half := new(big.Int).Rsh(elliptic.P256().Params().N, 1)
	return new(big.Int).SetBytes(sig[32:]).Cmp(half) <= 0
}

func es256Signature(tb testing.TB, token string) (dot int, sig []byte) {
	tb.Helper()
	dot = strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	if err != nil || len(sig) != 64 {
		tb.Fatalf("signature of %d bytes: %v", len(sig), err)
	}
	return dot, sig
}
