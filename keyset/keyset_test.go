package keyset_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"latchkey/keyset"
)

// TestIDIsTheRFC8037Thumbprint: the key of RFC 8037 Appendix A.1 has the thumbprint of A.3.
func TestIDIsTheRFC8037Thumbprint(t *testing.T) {
	seed, _ := base64.RawURLEncoding.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	priv := ed25519.NewKeyFromSeed(seed)
	if x := base64.RawURLEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)); x != "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" {
		t.Fatalf("public key x = %s: the vector's seed was not read right", x)
	}
	id, err := keyset.ID(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	if want := "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; id != want {
		t.Errorf("ID = %s, want %s", id, want)
	}
	set, err := keyset.Parse(keyset.EdDSA, pemOf(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Signer().ID; got != id {
		t.Errorf("parsed key's ID = %s, want %s", got, id)
	}
}

func pemOf(tb testing.TB, priv crypto.Signer) []byte {
	tb.Helper()
	b, err := keyset.EncodePEM(priv)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func generate(tb testing.TB, alg string) crypto.Signer {
	tb.Helper()
	k, err := keyset.Generate(alg)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// sec1 is a P-256 key as `openssl ecparam -genkey` writes it: parameters, then an EC PRIVATE KEY.
func sec1(tb testing.TB, k *ecdsa.PrivateKey) []byte {
	tb.Helper()
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})
	return append(params, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})...)
}

func TestParse(t *testing.T) {
	ed1, ed2 := generate(t, keyset.EdDSA), generate(t, keyset.EdDSA)
	p256 := generate(t, keyset.ES256).(*ecdsa.PrivateKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(ed1.Public())
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	tests := []struct {
		name    string
		alg     string
		data    []byte
		wantIDs int
		wantErr string
	}{
		{"OKEdDSA", keyset.EdDSA, pemOf(t, ed1), 1, ""},
		{"OKTwoKeysWithText", keyset.EdDSA, cat([]byte("# new key, signs\n"), pemOf(t, ed2), []byte("\n# old key\n"), pemOf(t, ed1)), 2, ""},
		{"OKES256PKCS8", keyset.ES256, pemOf(t, p256), 1, ""},
		{"OKES256SEC1", keyset.ES256, sec1(t, p256), 1, ""},
		{"ErrEmpty", keyset.EdDSA, nil, 0, "holds no PEM private key"},
		{"ErrNotPEM", keyset.EdDSA, []byte("MC4CAQAwBQYDK2VwBCIEI..."), 0, "holds no PEM private key"},
		{"ErrMalformedBlock", keyset.EdDSA, cat(pemOf(t, ed1), []byte("-----BEGIN PRIVATE KEY-----\nnot base64!\n")), 0, "PEM block 2 is malformed"},
		{"ErrEdDSAWithP256", keyset.EdDSA, cat(pemOf(t, ed1), pemOf(t, p256)), 0, "PEM block 2 is a P-256 key, but ALGORITHM=EdDSA needs Ed25519 keys"},
		{"ErrES256WithEd25519", keyset.ES256, pemOf(t, ed1), 0, "PEM block 1 is an Ed25519 key, but ALGORITHM=ES256 needs ECDSA P-256 keys"},
		{"ErrES256WithP384", keyset.ES256, pemOf(t, p384), 0, "PEM block 1 is an ECDSA P-384 key, but ALGORITHM=ES256 needs ECDSA P-256 keys"},
		{"ErrRSA", keyset.EdDSA, pemOf(t, rsaKey), 0, "PEM block 1 is a *rsa.PrivateKey, but ALGORITHM=EdDSA needs Ed25519 keys"},
		{"ErrPublicKey", keyset.EdDSA, publicPEM, 0, "PEM block 1 (PUBLIC KEY) is not a private key"},
		{"ErrEncrypted", keyset.EdDSA, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), 0, "PEM block 1 (ENCRYPTED PRIVATE KEY) is encrypted"},
		{"ErrGarbledKey", keyset.EdDSA, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("garbage")}), 0, "PEM block 1 (PRIVATE KEY) cannot be parsed"},
		{"ErrSameKeyTwice", keyset.EdDSA, cat(pemOf(t, ed1), pemOf(t, ed2), pemOf(t, ed1)), 0, "PEM block 3 is the same key as an earlier one"},
		{"ErrHSAlgorithm", "HS256", pemOf(t, ed1), 0, `keys are for EdDSA or ES256, not "HS256"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := keyset.Parse(tt.alg, tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if n := len(set.Keys()); n != tt.wantIDs {
				t.Fatalf("%d keys, want %d", n, tt.wantIDs)
			}
		})
	}
	t.Run("FirstSignsAllVerify", func(t *testing.T) {
		set, err := keyset.Parse(keyset.EdDSA, cat(pemOf(t, ed2), pemOf(t, ed1)))
		if err != nil {
			t.Fatal(err)
		}
		id1, _ := keyset.ID(ed1.Public())
		id2, _ := keyset.ID(ed2.Public())
		if set.Signer().ID != id2 {
			t.Errorf("signer = %s, want the first key %s", set.Signer().ID, id2)
		}
		for _, id := range []string{id1, id2} {
			if pub, ok := set.PublicKey(id); !ok || pub == nil {
				t.Errorf("PublicKey(%s) not found", id)
			}
		}
		if _, ok := set.PublicKey("unknown"); ok {
			t.Error("an unknown kid found a key")
		}
	})
}

// TestParseErrorsHoldNoKey: whatever goes wrong, the error never quotes the file.
func TestParseErrorsHoldNoKey(t *testing.T) {
	good := pemOf(t, generate(t, keyset.EdDSA))
	body := strings.Join(strings.Split(string(good), "\n")[1:2], "")
	for _, data := range [][]byte{good, append(append([]byte{}, good...), "-----BEGIN PRIVATE KEY-----\n"+body...)} {
		_, err := keyset.Parse(keyset.ES256, data)
		if err == nil {
			t.Fatal("an Ed25519 file was accepted for ES256")
		}
		if strings.Contains(err.Error(), body[:20]) {
			t.Errorf("error quotes the key: %v", err)
		}
	}
}

func TestJWKS(t *testing.T) {
	for _, alg := range []string{keyset.EdDSA, keyset.ES256} {
		t.Run(alg, func(t *testing.T) {
			k1, k2 := generate(t, alg), generate(t, alg)
			set, err := keyset.Parse(alg, append(pemOf(t, k1), pemOf(t, k2)...))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Keys []map[string]string `json:"keys"`
			}
			if err := json.Unmarshal(set.JWKS(), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Keys) != 2 {
				t.Fatalf("%d keys published, want 2: %s", len(doc.Keys), set.JWKS())
			}
			for i, k := range []crypto.Signer{k1, k2} {
				got := doc.Keys[i]
				id, _ := keyset.ID(k.Public())
				if got["kid"] != id || got["alg"] != alg || got["use"] != "sig" {
					t.Errorf("key %d = %v, want kid %s, alg %s, use sig", i, got, id, alg)
				}
				if _, ok := got["d"]; ok {
					t.Errorf("key %d publishes its private part", i)
				}
				checkPublic(t, alg, got, k.Public())
			}
		})
	}
}

// checkPublic decodes a published key and compares it with pub.
func checkPublic(t *testing.T, alg string, jwk map[string]string, pub crypto.PublicKey) {
	t.Helper()
	x, err := base64.RawURLEncoding.Strict().DecodeString(jwk["x"])
	if err != nil {
		t.Fatalf("x: %v", err)
	}
	switch alg {
	case keyset.EdDSA:
		if jwk["kty"] != "OKP" || jwk["crv"] != "Ed25519" || !bytes.Equal(x, pub.(ed25519.PublicKey)) {
			t.Errorf("published %v is not the Ed25519 key", jwk)
		}
	case keyset.ES256:
		y, err := base64.RawURLEncoding.Strict().DecodeString(jwk["y"])
		if err != nil || len(x) != 32 || len(y) != 32 {
			t.Fatalf("x, y are not 32 bytes each: %v", jwk)
		}
		got, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil || jwk["kty"] != "EC" || jwk["crv"] != "P-256" || !got.Equal(pub) {
			t.Errorf("published %v is not the P-256 key (%v)", jwk, err)
		}
	}
}

func TestGenerateRoundTrip(t *testing.T) {
	for _, alg := range []string{keyset.EdDSA, keyset.ES256} {
		t.Run(alg, func(t *testing.T) {
			k := generate(t, alg)
			set, err := keyset.Parse(alg, pemOf(t, k))
			if err != nil {
				t.Fatal(err)
			}
			if !set.Signer().Private.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
				t.Error("the key read back is another key")
			}
		})
	}
	if _, err := keyset.Generate("HS256"); err == nil {
		t.Error("Generate made an HS256 key")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "keys.pem")
	if err := os.WriteFile(good, pemOf(t, generate(t, keyset.EdDSA)), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), 1<<20+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, path, wantErr string }{
		{"OK", good, ""},
		{"ErrMissing", filepath.Join(dir, "none.pem"), "none.pem does not exist"},
		{"ErrDirectory", dir, "cannot read " + dir + ": is a directory"},
		{"ErrTooLarge", big, "larger than 1 MiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keyset.Load(keyset.EdDSA, tt.path)
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Load error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestPrintingHidesPrivateKeys: a set or key that ends up in a log line or a test failure shows
// its ids, never the private key.
func TestPrintingHidesPrivateKeys(t *testing.T) {
	k := generate(t, keyset.EdDSA).(ed25519.PrivateKey)
	set, err := keyset.Parse(keyset.EdDSA, pemOf(t, k))
	if err != nil {
		t.Fatal(err)
	}
	seed := k.Seed()
	holder := struct{ Keys *keyset.Set }{set}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{set, set.Keys(), set.Signer(), holder} {
			out := fmt.Sprintf(format, v)
			for _, secret := range []string{strings.Trim(fmt.Sprint(seed), "[]"), fmt.Sprintf("%x", seed), base64.StdEncoding.EncodeToString(seed)} {
				if strings.Contains(out, secret) {
					t.Errorf("Sprintf(%q, %T) shows the private key: %s", format, v, out)
				}
			}
			if !strings.Contains(out, set.Signer().ID) {
				t.Errorf("Sprintf(%q, %T) = %s, want the kid", format, v, out)
			}
		}
	}
}
