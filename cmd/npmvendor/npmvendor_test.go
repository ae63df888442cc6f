package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// tarball packs files under package/, as npm does.
func tarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fakeRegistry serves one package version the way the npm registry does, and counts requests.
type fakeRegistry struct {
	*httptest.Server
	requests  atomic.Int64
	published string // the integrity its version document claims
}

func startRegistry(t *testing.T, tgz []byte) *fakeRegistry {
	t.Helper()
	r := &fakeRegistry{published: sri512(tgz)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		switch req.URL.Path {
		case "/demo/1.0.0":
			_ = json.NewEncoder(w).Encode(map[string]any{"dist": map[string]string{
				"tarball": r.URL + "/demo/-/demo-1.0.0.tgz", "integrity": r.published}})
		case "/demo/-/demo-1.0.0.tgz":
			_, _ = w.Write(tgz)
		default:
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func writeManifest(t *testing.T, dir, integrity string, files ...string) {
	t.Helper()
	m := map[string]any{"packages": []Package{{Name: "demo", Version: "1.0.0", Integrity: integrity, Files: files}}}
	data, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, manifestName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVendor(t *testing.T) {
	files := map[string]string{"LICENSE": "MIT\n", "dist/demo.min.js": "demo()\n", "src/big.js": "not wanted\n"}
	tgz := tarball(t, files)
	reg := startRegistry(t, tgz)
	getenv := func(k string) string {
		if k == "NPM_CONFIG_REGISTRY" {
			return reg.URL + "/"
		}
		return ""
	}
	dir := t.TempDir()
	writeManifest(t, dir, sri512(tgz), "LICENSE", "dist/demo.min.js")
	vendor := func() error { return run(dir, getenv, io.Discard) }

	t.Run("OK", func(t *testing.T) {
		if err := vendor(); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"LICENSE", "dist/demo.min.js"} {
			if got := readFile(t, filepath.Join(dir, "demo", f)); got != files[f] {
				t.Errorf("%s = %q, want the tarball's bytes %q", f, got, files[f])
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "demo", "src", "big.js")); err == nil {
			t.Error("a file npm.json does not list was extracted")
		}
	})
	t.Run("UpToDateAsksNothing", func(t *testing.T) {
		before, sum := reg.requests.Load(), readFile(t, filepath.Join(dir, sumName))
		if err := vendor(); err != nil {
			t.Fatal(err)
		}
		if n := reg.requests.Load() - before; n != 0 {
			t.Errorf("a run over matching files made %d requests", n)
		}
		if readFile(t, filepath.Join(dir, sumName)) != sum {
			t.Error("a run over matching files rewrote npm.sum")
		}
	})
	t.Run("ChangedFileIsFetchedAgain", func(t *testing.T) {
		name := filepath.Join(dir, "demo", "dist", "demo.min.js")
		if err := os.WriteFile(name, []byte("evil()\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := vendor(); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, name); got != files["dist/demo.min.js"] {
			t.Errorf("an edited file stayed %q", got)
		}
	})
	t.Run("UnlistedFileIsRemoved", func(t *testing.T) {
		writeManifest(t, dir, sri512(tgz), "LICENSE")
		if err := vendor(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "demo", "dist", "demo.min.js")); err == nil {
			t.Error("a file npm.json no longer lists is still there")
		}
		if strings.Contains(readFile(t, filepath.Join(dir, sumName)), "demo.min.js") {
			t.Error("npm.sum still lists the dropped file")
		}
	})
	t.Run("ErrPinnedIntegrity", func(t *testing.T) {
		other := t.TempDir()
		writeManifest(t, other, sri512([]byte("another tarball")), "LICENSE")
		err := run(other, getenv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "npm.json pins") {
			t.Fatalf("want a refusal of the unpinned tarball, got %v", err)
		}
		if _, err := os.Stat(filepath.Join(other, "demo")); err == nil {
			t.Error("files were written from a tarball that does not match the pin")
		}
	})
	t.Run("ErrTarballDiffersFromPublished", func(t *testing.T) {
		// The registry claims the pinned hash but serves other bytes.
		other := t.TempDir()
		pin := sri512([]byte("what was reviewed"))
		reg.published = pin
		defer func() { reg.published = sri512(tgz) }()
		writeManifest(t, other, pin, "LICENSE")
		err := run(other, getenv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "the tarball hashes to") {
			t.Fatalf("want a refusal of the tarball, got %v", err)
		}
	})
}
