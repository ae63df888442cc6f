// Package keyset reads, makes and publishes the asymmetric keys that sign access tokens: a PEM
// file of private keys whose first key signs, and whose every key verifies and is published as
// a JWK Set (RFC 7517), each under the RFC 7638 thumbprint of its public key.
package keyset

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// The algorithms a Set can be for, spelled as in a JWT's alg header.
const (
	EdDSA = "EdDSA" // Ed25519 (RFC 8037)
	ES256 = "ES256" // ECDSA on P-256 with SHA-256
)

// Supported reports whether alg is one a Set can be for.
func Supported(alg string) bool { return alg == EdDSA || alg == ES256 }

// Key is one private key and its id, the RFC 7638 thumbprint of its public key.
type Key struct {
	ID      string
	Private crypto.Signer // ed25519.PrivateKey or *ecdsa.PrivateKey on P-256
	public  publicJWK
}

// Public is the key's public half.
func (k Key) Public() crypto.PublicKey { return k.Private.Public() }

// String names the key by its id, so that printing one never prints its private half.
func (k Key) String() string { return "key " + k.ID }

// GoString is String, for %#v.
func (k Key) GoString() string { return k.String() }

// Set is the keys of one algorithm; the first signs, every one verifies.
type Set struct {
	alg  string
	keys []Key
	byID map[string]crypto.PublicKey
	jwks []byte
}

// String says what the set holds, never the keys themselves.
func (s *Set) String() string {
	return fmt.Sprintf("%s keys %v, %s signs", s.alg, s.ids(), s.keys[0].ID)
}

// GoString is String, for %#v.
func (s *Set) GoString() string { return s.String() }

func (s *Set) ids() []string {
	ids := make([]string, len(s.keys))
	for i, k := range s.keys {
		ids[i] = k.ID
	}
	return ids
}

// Algorithm is EdDSA or ES256.
func (s *Set) Algorithm() string { return s.alg }

// Signer is the key that signs: the first.
func (s *Set) Signer() Key { return s.keys[0] }

// Keys lists every key, the signer first.
func (s *Set) Keys() []Key { return append([]Key(nil), s.keys...) }

// PublicKey returns the public key whose id is kid.
func (s *Set) PublicKey(kid string) (crypto.PublicKey, bool) {
	k, ok := s.byID[kid]
	return k, ok
}

// JWKS is every public key as a JWK Set, the signer first. The caller must not change it.
func (s *Set) JWKS() []byte { return s.jwks }

// Parse reads the PEM blocks of data as keys for alg. It accepts PKCS #8 ("PRIVATE KEY"), as
// openssl genpkey and Generate write, and SEC 1 ("EC PRIVATE KEY"), skipping "EC PARAMETERS".
// Errors name the block at fault, never what it holds.
func Parse(alg string, data []byte) (*Set, error) {
	if !Supported(alg) {
		return nil, fmt.Errorf("keys are for %s or %s, not %q", EdDSA, ES256, alg)
	}
	s := &Set{alg: alg, byID: map[string]crypto.PublicKey{}}
	for n := 1; ; n++ {
		block, rest := pem.Decode(data)
		if block == nil {
			if containsPEMStart(rest) {
				return nil, fmt.Errorf("PEM block %d is malformed", n)
			}
			break
		}
		data = rest
		if block.Type == "EC PARAMETERS" {
			continue
		}
		priv, err := parseBlock(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s) %w", n, block.Type, err)
		}
		if err := fits(alg, priv); err != nil {
			return nil, fmt.Errorf("PEM block %d %w", n, err)
		}
		k, err := newKey(priv)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		if _, dup := s.byID[k.ID]; dup {
			return nil, fmt.Errorf("PEM block %d is the same key as an earlier one (kid %s)", n, k.ID)
		}
		s.keys = append(s.keys, k)
		s.byID[k.ID] = k.Public()
	}
	if len(s.keys) == 0 {
		return nil, errors.New("holds no PEM private key")
	}
	jwks, err := marshalJWKS(alg, s.keys)
	if err != nil {
		return nil, err
	}
	s.jwks = jwks
	return s, nil
}

func containsPEMStart(b []byte) bool { return bytes.Contains(b, []byte("-----BEGIN")) }

func parseBlock(b *pem.Block) (crypto.Signer, error) {
	if len(b.Headers) > 0 {
		return nil, errors.New("is encrypted or has headers; the file holds plain PKCS #8 keys (protect it with mode 0600)")
	}
	var key any
	var err error
	switch b.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(b.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("is encrypted; the file holds plain PKCS #8 keys (protect it with mode 0600)")
	case "PUBLIC KEY", "CERTIFICATE":
		return nil, errors.New("is not a private key; the file holds the private keys, and the server publishes their public halves")
	default:
		return nil, errors.New("is not a PKCS #8 private key (server keys generate writes one)")
	}
	if err != nil {
		return nil, errors.New("cannot be parsed as a private key")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("holds a %T, which cannot sign", key)
	}
	return signer, nil
}

// fits says why priv cannot sign for alg, or nil.
func fits(alg string, priv crypto.Signer) error {
	kind := describe(priv)
	switch {
	case alg == EdDSA && kind == "an Ed25519 key", alg == ES256 && kind == "a P-256 key":
		return nil
	case alg == EdDSA:
		return fmt.Errorf("is %s, but ALGORITHM=EdDSA needs Ed25519 keys", kind)
	default:
		return fmt.Errorf("is %s, but ALGORITHM=ES256 needs ECDSA P-256 keys", kind)
	}
}

func describe(priv crypto.Signer) string {
	switch k := priv.(type) {
	case ed25519.PrivateKey:
		return "an Ed25519 key"
	case *ecdsa.PrivateKey:
		if k.Curve == elliptic.P256() {
			return "a P-256 key"
		}
		return "an ECDSA " + k.Curve.Params().Name + " key"
	}
	return fmt.Sprintf("a %T", priv)
}

func newKey(priv crypto.Signer) (Key, error) {
	pub, err := toJWK(priv.Public())
	if err != nil {
		return Key{}, err
	}
	return Key{ID: pub.thumbprint(), Private: priv, public: pub}, nil
}

// Generate makes a new private key for alg.
func Generate(alg string) (crypto.Signer, error) {
	switch alg {
	case EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("keys are for %s or %s, not %q", EdDSA, ES256, alg)
}

// EncodePEM writes priv as a PKCS #8 "PRIVATE KEY" block.
func EncodePEM(priv crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ID is the key id of pub: its RFC 7638 thumbprint, base64url without padding.
func ID(pub crypto.PublicKey) (string, error) {
	j, err := toJWK(pub)
	if err != nil {
		return "", err
	}
	return j.thumbprint(), nil
}

// publicJWK is a public key's JWK members. Their order is the thumbprint's: lexicographic
// (RFC 7638 §3.2), which json.Marshal keeps.
type publicJWK struct {
	Crv string `json:"crv"`
	Kty string `json:"kty"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
}

func toJWK(pub crypto.PublicKey) (publicJWK, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return publicJWK{Crv: "Ed25519", Kty: "OKP", X: b64(k)}, nil // RFC 8037 §2
	case *ecdsa.PublicKey:
		point, err := k.Bytes() // 0x04 || X || Y, each padded to the curve's size
		if err != nil || k.Curve != elliptic.P256() {
			return publicJWK{}, errors.New("only Ed25519 and P-256 keys are supported")
		}
		return publicJWK{Crv: "P-256", Kty: "EC", X: b64(point[1:33]), Y: b64(point[33:])}, nil
	}
	return publicJWK{}, fmt.Errorf("a %T is not supported", pub)
}

func (j publicJWK) thumbprint() string {
	b, _ := json.Marshal(j) // strings only: cannot fail
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// publishedJWK is one entry of the JWK Set.
type publishedJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

func marshalJWKS(alg string, keys []Key) ([]byte, error) {
	set := struct {
		Keys []publishedJWK `json:"keys"`
	}{}
	for _, k := range keys {
		p := k.public
		set.Keys = append(set.Keys, publishedJWK{Kty: p.Kty, Crv: p.Crv, X: p.X, Y: p.Y, Kid: k.ID, Alg: alg, Use: "sig"})
	}
	return json.Marshal(set)
}
