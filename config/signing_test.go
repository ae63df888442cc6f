package config_test

import (
	"crypto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"latchkey/config"
	"latchkey/keyset"
)

// writeKeys writes a key file of n new keys for alg, mode 0600, and returns it with its keys.
func writeKeys(tb testing.TB, alg string, n int) (string, *keyset.Set) {
	tb.Helper()
	var data []byte
	for range n {
		k, err := keyset.Generate(alg)
		if err != nil {
			tb.Fatal(err)
		}
		data = append(data, mustPEM(tb, k)...)
	}
	path := filepath.Join(tb.TempDir(), "keys.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	set, err := keyset.Parse(alg, data)
	if err != nil {
		tb.Fatal(err)
	}
	return path, set
}

func mustPEM(tb testing.TB, k crypto.Signer) []byte {
	tb.Helper()
	b, err := keyset.EncodePEM(k)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestSigningKeys(t *testing.T) {
	edFile, edKeys := writeKeys(t, keyset.EdDSA, 2)
	esFile, _ := writeKeys(t, keyset.ES256, 1)
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("# no key yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		c := mustLoad(t, map[string]string{"ALGORITHM": "eddsa", "SIGNING_KEYS_FILE": edFile})
		if c.Account.Algorithm != "EdDSA" || c.SigningKeysFile != edFile || c.Account.SigningKeys == nil ||
			c.Account.SigningKeys.Signer().ID != edKeys.Signer().ID || len(c.Account.SigningKeys.Keys()) != 2 {
			t.Fatalf("loaded %q, %q, %+v", c.Account.Algorithm, c.SigningKeysFile, c.Account.SigningKeys)
		}
		if got := logAttr(c, "SIGNING_KEYS_FILE"); got != edFile {
			t.Errorf("log shows SIGNING_KEYS_FILE=%q, want the path", got)
		}
	})
	t.Run("OKHSWithoutFile", func(t *testing.T) {
		for _, alg := range []string{"HS256", "HS384", "HS512"} {
			if c := mustLoad(t, map[string]string{"ALGORITHM": alg}); c.Account.Algorithm != alg || c.Account.SigningKeys != nil {
				t.Errorf("ALGORITHM=%s loaded as %q with keys %v", alg, c.Account.Algorithm, c.Account.SigningKeys)
			}
		}
	})
	for _, tt := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"ErrFileWithHS256", map[string]string{"SIGNING_KEYS_FILE": edFile},
			"SIGNING_KEYS_FILE: is set, but ALGORITHM=HS256 signs with SECRET_KEY"},
		{"ErrFileWithHS512", map[string]string{"ALGORITHM": "HS512", "SIGNING_KEYS_FILE": edFile},
			"SIGNING_KEYS_FILE: is set, but ALGORITHM=HS512 signs with SECRET_KEY"},
		{"ErrEdDSAWithoutFile", map[string]string{"ALGORITHM": "EdDSA"},
			"SIGNING_KEYS_FILE: must name a PEM file of private keys when ALGORITHM=EdDSA (server keys generate --algorithm EdDSA --out FILE writes one)"},
		{"ErrES256WithoutFile", map[string]string{"ALGORITHM": "ES256"},
			"SIGNING_KEYS_FILE: must name a PEM file of private keys when ALGORITHM=ES256"},
		{"ErrMissingFile", map[string]string{"ALGORITHM": "EdDSA", "SIGNING_KEYS_FILE": edFile + ".missing"},
			"SIGNING_KEYS_FILE: " + edFile + ".missing does not exist"},
		{"ErrDirectory", map[string]string{"ALGORITHM": "EdDSA", "SIGNING_KEYS_FILE": filepath.Dir(edFile)},
			"SIGNING_KEYS_FILE: cannot read " + filepath.Dir(edFile) + ": is a directory"},
		{"ErrNoKey", map[string]string{"ALGORITHM": "EdDSA", "SIGNING_KEYS_FILE": empty},
			"SIGNING_KEYS_FILE: " + empty + ": holds no PEM private key"},
		{"ErrEd25519KeysForES256", map[string]string{"ALGORITHM": "ES256", "SIGNING_KEYS_FILE": edFile},
			"SIGNING_KEYS_FILE: " + edFile + ": PEM block 1 is an Ed25519 key, but ALGORITHM=ES256 needs ECDSA P-256 keys"},
		{"ErrP256KeysForEdDSA", map[string]string{"ALGORITHM": "EdDSA", "SIGNING_KEYS_FILE": esFile},
			"SIGNING_KEYS_FILE: " + esFile + ": PEM block 1 is a P-256 key, but ALGORITHM=EdDSA needs Ed25519 keys"},
		{"ErrOtherAlgorithmNamedOnce", map[string]string{"ALGORITHM": "RS256", "SIGNING_KEYS_FILE": edFile},
			`ALGORITHM: "RS256" is not one of HS256, HS384, HS512, EdDSA, ES256`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadErr(t, tt.vars); got != tt.want && !strings.HasPrefix(got, tt.want) {
				t.Errorf("error = %q\nwant   %q", got, tt.want)
			}
		})
	}
	t.Run("ErrUnreadableFile", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads every file")
		}
		path, _ := writeKeys(t, keyset.EdDSA, 1)
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		want := "SIGNING_KEYS_FILE: " + path + " cannot be read by this user"
		if got := loadErr(t, map[string]string{"ALGORITHM": "EdDSA", "SIGNING_KEYS_FILE": path}); got != want {
			t.Errorf("error = %q, want %q", got, want)
		}
	})
	t.Run("ErrFromDotenvSaysSo", func(t *testing.T) {
		path := writeDotenv(t, "ALGORITHM=ES256\nSIGNING_KEYS_FILE="+edFile+"\n")
		_, err := config.Load(env(nil), path)
		if err == nil || !strings.HasSuffix(err.Error(), "(from "+path+")") {
			t.Errorf("error = %v, want it to say it came from %s", err, path)
		}
	})
}

// TestSecretKeyStillNeededWithSigningKeys: SECRET_KEY keys device tokens and the login
// throttles whatever signs access tokens, so production still needs a good one.
func TestSecretKeyStillNeededWithSigningKeys(t *testing.T) {
	edFile, _ := writeKeys(t, keyset.EdDSA, 1)
	prod := map[string]string{"APP_ENV": "production", "FRONTEND_URL": "https://accounts.example.com", "MAIL_SERVER": "smtp.example.com", "ALGORITHM": "EdDSA", "SIGNING_KEYS_FILE": edFile}
	if got := loadErr(t, prod); !strings.Contains(got, "SECRET_KEY: must be set when APP_ENV=production, or every restart invalidates device tokens and login throttle records") {
		t.Errorf("error = %q", got)
	}
	prod["SECRET_KEY"] = strings.Repeat("ab", 20)
	if got := loadErr(t, prod); !strings.Contains(got, "SECRET_KEY: repeats a pattern") {
		t.Errorf("error = %q", got)
	}
	prod["SECRET_KEY"] = testKey
	mustLoad(t, prod)
	dev := mustLoad(t, map[string]string{"ALGORITHM": "EdDSA", "SIGNING_KEYS_FILE": edFile})
	if !slices.Contains(dev.Warnings(), "SECRET_KEY is not set: a random key was generated, device tokens will not survive a restart") {
		t.Errorf("warnings = %q", dev.Warnings())
	}
}

func TestSigningKeysFileReadableByOthersWarns(t *testing.T) {
	path, _ := writeKeys(t, keyset.EdDSA, 1)
	vars := map[string]string{"SECRET_KEY": testKey, "MAIL_SERVER": "smtp.example.com", "ALGORITHM": "EdDSA", "SIGNING_KEYS_FILE": path}
	if w := mustLoad(t, vars).Warnings(); len(w) != 0 {
		t.Errorf("mode 0600 warns: %q", w)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	want := "SIGNING_KEYS_FILE " + path + " is readable by other users (mode 0644): chmod 600 it"
	if w := mustLoad(t, vars).Warnings(); !slices.Equal(w, []string{want}) {
		t.Errorf("warnings = %q, want %q", w, want)
	}
}
