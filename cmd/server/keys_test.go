package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"latchkey/keyset"
)

// generateKeys runs server keys generate with args in dir and returns the kid it printed.
func generateKeys(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	out, err := command(tb, dir, nil, append([]string{"keys", "generate"}, args...)...).CombinedOutput()
	if err != nil {
		tb.Fatalf("keys generate %v: %v\n%s", args, err, out)
	}
	_, rest, ok := strings.Cut(string(out), ", kid ")
	if !ok {
		tb.Fatalf("output names no kid:\n%s", out)
	}
	return strings.Fields(rest)[0]
}

// wantKeyFile checks that path has mode 0600 and holds keys of alg with these kids, in order.
func wantKeyFile(tb testing.TB, path, alg string, kids ...string) {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		tb.Errorf("%s has mode %04o, want 0600", path, fi.Mode().Perm())
	}
	set, err := keyset.Load(alg, path)
	if err != nil {
		tb.Fatalf("the written file does not load: %v", err)
	}
	var got []string
	for _, k := range set.Keys() {
		got = append(got, k.ID)
	}
	if !slices.Equal(got, kids) {
		tb.Errorf("file holds kids %v, want %v", got, kids)
	}
}

// servedKids starts the server on the key file and returns the kids its JWK Set serves.
func servedKids(tb testing.TB, dir, alg, path string) []string {
	tb.Helper()
	env := baseEnv(dir)
	env["ALGORITHM"], env["SIGNING_KEYS_FILE"] = alg, path
	p := startServer(tb, dir, env)
	defer func() {
		p.Cmd.Process.Signal(syscall.SIGTERM)
		if err := p.Wait(tb, 20*time.Second); err != nil {
			tb.Errorf("server exit: %v", err)
		}
	}()
	code, body := get(tb, p.URL+"/.well-known/jwks.json")
	var set struct {
		Keys []struct{ Kid, Alg string }
	}
	if err := json.Unmarshal([]byte(body), &set); code != http.StatusOK || err != nil {
		tb.Fatalf("GET /.well-known/jwks.json = %d %q (%v)", code, body, err)
	}
	var kids []string
	for _, k := range set.Keys {
		if k.Alg != alg {
			tb.Errorf("served alg %q, want %s", k.Alg, alg)
		}
		kids = append(kids, k.Kid)
	}
	return kids
}

// TestKeysGenerate: the command writes a key file the server starts with, never overwrites
// one by accident, and adds keys first or last for a rotation.
func TestKeysGenerate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.pem")
	first := generateKeys(t, dir, "--out", "keys.pem")
	wantKeyFile(t, path, keyset.EdDSA, first)
	if got := servedKids(t, dir, keyset.EdDSA, path); !slices.Equal(got, []string{first}) {
		t.Errorf("served kids %v, want %v", got, []string{first})
	}

	t.Run("ErrExists", func(t *testing.T) {
		before, _ := os.ReadFile(path)
		out, err := command(t, dir, nil, "keys", "generate", "--out", "keys.pem").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--prepend") {
			t.Fatalf("want a refusal naming --prepend, got %v:\n%s", err, out)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Error("the refused command changed the file")
		}
	})
	second := generateKeys(t, dir, "--out", "keys.pem", "--prepend")
	wantKeyFile(t, path, keyset.EdDSA, second, first)
	third := generateKeys(t, dir, "--out", "keys.pem", "--append")
	wantKeyFile(t, path, keyset.EdDSA, second, first, third)
	if got, want := servedKids(t, dir, keyset.EdDSA, path), []string{second, first, third}; !slices.Equal(got, want) {
		t.Errorf("served kids %v, want %v", got, want)
	}

	t.Run("ES256", func(t *testing.T) {
		es := filepath.Join(dir, "es.pem")
		kid := generateKeys(t, dir, "--algorithm", "ES256", "--out", es)
		wantKeyFile(t, es, keyset.ES256, kid)
		if got := servedKids(t, dir, keyset.ES256, es); !slices.Equal(got, []string{kid}) {
			t.Errorf("served kids %v, want %v", got, []string{kid})
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ErrOtherAlgorithmThanTheFile", []string{"--algorithm", "ES256", "--out", "keys.pem", "--prepend"}, "is an Ed25519 key"},
		{"ErrPrependToNothing", []string{"--out", "missing.pem", "--prepend"}, "missing.pem does not exist"},
		{"ErrPrependAndAppend", []string{"--out", "keys.pem", "--prepend", "--append"}, "at most one of --prepend and --append"},
		{"ErrNoOut", nil, "needs --out FILE"},
		{"ErrHS256", []string{"--algorithm", "HS256", "--out", "hs.pem"}, `not "HS256"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(path)
			out, err := command(t, dir, nil, append([]string{"keys", "generate"}, tc.args...)...).CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Fatalf("want a failure saying %q, got %v:\n%s", tc.want, err, out)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("the refused command changed the key file")
			}
			if _, err := os.Stat(filepath.Join(dir, "hs.pem")); err == nil {
				t.Error("an HS256 key file was written")
			}
		})
	}
	t.Run("ErrUnknownAction", func(t *testing.T) {
		out, err := command(t, dir, nil, "keys", "rotate").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "keys needs generate") || !strings.Contains(string(out), "--prepend") {
			t.Fatalf("want usage, got %v:\n%s", err, out)
		}
	})
}
