package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// maxTarball bounds what one download may be; the packages we take are a few MiB.
const maxTarball = 64 << 20

type registry struct {
	base   string // without a trailing slash
	client *http.Client
}

func newRegistry(getenv func(string) string) (registry, error) {
	base := strings.TrimSpace(getenv("NPM_CONFIG_REGISTRY"))
	if base == "" {
		base = strings.TrimSpace(getenv("npm_config_registry"))
	}
	if base == "" {
		var err error
		if base, err = registryFromNPM(); err != nil {
			return registry{}, err
		}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return registry{}, fmt.Errorf("registry %q is not an http(s) URL", base)
	}
	return registry{base: strings.TrimRight(base, "/"), client: &http.Client{Timeout: 2 * time.Minute}}, nil
}

// fetch downloads p's tarball, checks it against the pinned integrity, and writes p's files.
func fetch(reg registry, dir string, p Package) error {
	tarball, published, err := reg.dist(p)
	if err != nil {
		return err
	}
	if published != p.Integrity {
		return fmt.Errorf("the registry publishes integrity %s, npm.json pins %s", published, p.Integrity)
	}
	body, err := reg.get(tarball)
	if err != nil {
		return err
	}
	if got := sri512(body); got != p.Integrity {
		return fmt.Errorf("the tarball hashes to %s, npm.json pins %s", got, p.Integrity)
	}
	files, err := extract(body, p.Files)
	if err != nil {
		return err
	}
	for _, f := range p.Files {
		name := filepath.Join(dir, filepath.FromSlash(p.Name), filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, files[f], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// dist reads the version's document: where its tarball is and the integrity it publishes.
func (reg registry) dist(p Package) (tarball, integrity string, err error) {
	body, err := reg.get(reg.base + "/" + strings.Replace(p.Name, "/", "%2F", 1) + "/" + url.PathEscape(p.Version))
	if err != nil {
		return "", "", err
	}
	var doc struct {
		Dist struct {
			Tarball   string `json:"tarball"`
			Integrity string `json:"integrity"`
		} `json:"dist"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", "", fmt.Errorf("the registry's version document: %w", err)
	}
	if doc.Dist.Tarball == "" || doc.Dist.Integrity == "" {
		return "", "", errors.New("the registry's version document names no tarball or integrity")
	}
	return doc.Dist.Tarball, doc.Dist.Integrity, nil
}

func (reg registry) get(u string) ([]byte, error) {
	res, err := reg.client.Get(u)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxTarball+1))
	if err == nil && len(body) > maxTarball {
		err = fmt.Errorf("GET %s: more than %d bytes", u, maxTarball)
	}
	return body, err
}

// extract reads the wanted regular files out of an npm tarball, whose entries all sit under
// one top folder (package/ as npm packs them).
func extract(tgz []byte, wanted []string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, f := range wanted {
		want[f] = true
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		_, rel, ok := strings.Cut(path.Clean(h.Name), "/")
		if !ok || !want[rel] || h.Typeflag != tar.TypeReg {
			continue
		}
		if files[rel], err = io.ReadAll(io.LimitReader(tr, maxTarball)); err != nil {
			return nil, err
		}
	}
	for _, f := range wanted {
		if _, ok := files[f]; !ok {
			return nil, fmt.Errorf("the tarball has no file %s", f)
		}
	}
	return files, nil
}

func sri512(b []byte) string {
	sum := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// sri256 is also what a <script integrity> attribute takes.
func sri256(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}
