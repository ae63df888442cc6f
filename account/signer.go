package account

import (
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"

	"latchkey/keyset"
)

// tokenSigner signs access tokens and names the key that verifies one: SECRET_KEY for the HS
// algorithms; for EdDSA and ES256 the first key of SIGNING_KEYS_FILE signs, and a token is
// verified with the key its kid header names. The one algorithm configured is the only one
// accepted, so neither alg "none" nor an HS token keyed with a published public key can pass.
type tokenSigner struct {
	method jwt.SigningMethod
	secret []byte      // HS*
	keys   *keyset.Set // EdDSA, ES256
}

func newTokenSigner(cfg Config) (*tokenSigner, error) {
	method, err := signingMethod(cfg.Algorithm)
	if err != nil {
		return nil, err
	}
	asymmetric := keyset.Supported(cfg.Algorithm)
	switch {
	case asymmetric && cfg.SigningKeys == nil:
		return nil, fmt.Errorf("account: %s needs signing keys", cfg.Algorithm)
	case asymmetric && cfg.SigningKeys.Algorithm() != cfg.Algorithm:
		return nil, fmt.Errorf("account: the signing keys are for %s, not %s", cfg.SigningKeys.Algorithm(), cfg.Algorithm)
	case !asymmetric && cfg.SigningKeys != nil:
		return nil, fmt.Errorf("account: %s signs with the secret key; signing keys are for EdDSA and ES256", cfg.Algorithm)
	}
	return &tokenSigner{method: method, secret: cfg.SecretKey, keys: cfg.SigningKeys}, nil
}

func signingMethod(alg string) (jwt.SigningMethod, error) {
	switch alg {
	case "HS256":
		return jwt.SigningMethodHS256, nil
	case "HS384":
		return jwt.SigningMethodHS384, nil
	case "HS512":
		return jwt.SigningMethodHS512, nil
	case keyset.EdDSA:
		return jwt.SigningMethodEdDSA, nil
	case keyset.ES256:
		return jwt.SigningMethodES256, nil
	}
	return nil, fmt.Errorf("account: unsupported algorithm %q", alg)
}

// sign returns the signed token of claims, with the signing key's kid in its header.
func (s *tokenSigner) sign(claims jwt.Claims) (string, error) {
	t := jwt.NewWithClaims(s.method, claims)
	var key any = s.secret
	if s.keys != nil {
		k := s.keys.Signer()
		t.Header["kid"] = k.ID
		key = k.Private
	}
	unsigned, err := t.SigningString()
	if err != nil {
		return "", err
	}
	sig, err := s.method.Sign(unsigned, key)
	if err != nil {
		return "", err
	}
	if s.method == jwt.SigningMethodES256 {
		lowS(sig)
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

var errNoSuchKey = errors.New("no key for this token")

// key is the parser's jwt.Keyfunc. The parser has already refused every other algorithm; the
// check here keeps that true should the parser's options ever change.
func (s *tokenSigner) key(t *jwt.Token) (any, error) {
	if t.Method == nil || t.Method.Alg() != s.method.Alg() {
		return nil, errNoSuchKey
	}
	if s.keys == nil {
		return s.secret, nil
	}
	kid, _ := t.Header["kid"].(string)
	pub, ok := s.keys.PublicKey(kid)
	if !ok {
		return nil, errNoSuchKey
	}
	return pub, nil
}

// canonical reports whether a verified signature is the one spelling we issue. An ECDSA
// signature (r, s) has a twin (r, n-s) that verifies too; we issue only the low one.
func (s *tokenSigner) canonical(sig []byte) bool {
	if s.method != jwt.SigningMethodES256 {
		return true // Ed25519 and HMAC signatures have one valid value
	}
	return len(sig) == 64 && new(big.Int).SetBytes(sig[32:]).Cmp(p256HalfOrder) <= 0
}

var (
	p256Order     = elliptic.P256().Params().N
	p256HalfOrder = new(big.Int).Rsh(p256Order, 1)
)

// lowS replaces the s half of a 64-byte ES256 signature by n-s when that is smaller.
func lowS(sig []byte) {
	s := new(big.Int).SetBytes(sig[32:])
	if s.Cmp(p256HalfOrder) > 0 {
		s.Sub(p256Order, s).FillBytes(sig[32:])
	}
}
