package account

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"latchkey/ent"
	"latchkey/ent/enttest"
	"latchkey/keyset"
)

// testKeys is a key set of n new keys for alg.
func testKeys(tb testing.TB, alg string, n int) *keyset.Set {
	tb.Helper()
	var data []byte
	for range n {
		k, err := keyset.Generate(alg)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := keyset.EncodePEM(k)
		if err != nil {
			tb.Fatal(err)
		}
		data = append(data, b...)
	}
	set, err := keyset.Parse(alg, data)
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

// signedWith configures the service for alg, with new keys for EdDSA and ES256.
func signedWith(tb testing.TB, alg string) func(*Config) {
	return func(c *Config) {
		c.Algorithm = alg
		if keyset.Supported(alg) {
			c.SigningKeys = testKeys(tb, alg, 1)
		}
	}
}

func TestNewServiceSigningKeys(t *testing.T) {
	ed, es := testKeys(t, keyset.EdDSA, 1), testKeys(t, keyset.ES256, 1)
	for _, tt := range []struct {
		name, alg string
		keys      *keyset.Set
		wantErr   string
	}{
		{"OKEdDSA", "EdDSA", ed, ""},
		{"OKES256", "ES256", es, ""},
		{"ErrEdDSAWithoutKeys", "EdDSA", nil, "EdDSA needs signing keys"},
		{"ErrKeysOfOtherAlgorithm", "ES256", ed, "the signing keys are for EdDSA, not ES256"},
		{"ErrKeysWithHS256", "HS256", ed, "HS256 signs with the secret key"},
		{"ErrRS256", "RS256", nil, `unsupported algorithm "RS256"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := enttest.Open(t, "sqlite3", "file:"+filepath.Join(t.TempDir(), "keys.db")+"?_fk=1")
			t.Cleanup(func() { db.Close() })
			cfg := Config{SecretKey: []byte(strings.Repeat("k", 32)), Algorithm: tt.alg, SigningKeys: tt.keys, ResetMailsPerHour: 3, Outbox: noOutbox{}}
			_, err := NewService(db, nil, cfg, nil)
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("NewService error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestES256SignaturesAreLowS: half of all ECDSA signatures have a high s, so 64 tokens in a
// row with a low one show that the signer normalises every one (each token has one spelling).
func TestES256SignaturesAreLowS(t *testing.T) {
	s := newTestService(t, signedWith(t, keyset.ES256))
	for i := range 64 {
		sess, err := s.tokenOnly(&ent.User{ID: i + 1})
		if err != nil {
			t.Fatal(err)
		}
		parsed, _, err := jwt.NewParser().ParseUnverified(sess.AccessToken, jwt.MapClaims{})
		if err != nil {
			t.Fatal(err)
		}
		if !s.signer.canonical(parsed.Signature) {
			t.Fatalf("token %d has a high-s signature", i)
		}
		if _, err := s.parseAccessToken(sess.AccessToken); err != nil {
			t.Fatalf("token %d does not verify: %v", i, err)
		}
	}
}
