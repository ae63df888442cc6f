// Command npmvendor copies built files of pinned npm packages into a folder that is committed,
// so that the binary (or a test) serves them without reaching any network at run time.
//
// DIR/npm.json pins each package's version and the sha512 integrity of its tarball, and lists
// the files to take from it (its licence among them). The files land in DIR/NAME/, and
// DIR/npm.sum records what was written. A package whose files still match npm.sum is not
// fetched again, so a run on a fresh checkout changes nothing and needs no network. The
// registry is npm's own setting (NPM_CONFIG_REGISTRY, else `npm config get registry`).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// Package is one pinned npm package and the files taken from it.
type Package struct {
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Integrity string   `json:"integrity"` // the tarball's SRI hash, sha512-BASE64
	Files     []string `json:"files"`     // paths inside the package, slash-separated
}

const (
	manifestName = "npm.json"
	sumName      = "npm.sum"
)

func main() {
	dir := flag.String("dir", ".", "folder holding npm.json, where the files are written")
	flag.Parse()
	if err := run(*dir, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "npmvendor:", err)
		os.Exit(1)
	}
}

func run(dir string, getenv func(string) string, stdout io.Writer) error {
	pkgs, err := readManifest(filepath.Join(dir, manifestName))
	if err != nil {
		return err
	}
	old, err := os.ReadFile(filepath.Join(dir, sumName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var sum bytes.Buffer
	sum.WriteString("# Written by cmd/npmvendor from npm.json: what each package's files hash to.\n")
	var reg registry
	for _, p := range pkgs {
		section, err := sumSection(dir, p)
		if err != nil || !bytes.Contains(old, section) {
			if reg.base == "" {
				if reg, err = newRegistry(getenv); err != nil {
					return err
				}
			}
			if err := fetch(reg, dir, p); err != nil {
				return fmt.Errorf("%s@%s: %w", p.Name, p.Version, err)
			}
			if section, err = sumSection(dir, p); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "npmvendor: %s@%s written to %s\n", p.Name, p.Version, filepath.Join(dir, p.Name))
		}
		sum.Write(section)
	}
	if err := removeStale(dir, pkgs, old); err != nil {
		return err
	}
	if bytes.Equal(old, sum.Bytes()) {
		return nil
	}
	return os.WriteFile(filepath.Join(dir, sumName), sum.Bytes(), 0o644)
}

func readManifest(name string) ([]Package, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var m struct {
		Packages []Package `json:"packages"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, p := range m.Packages {
		if p.Name == "" || p.Version == "" || !strings.HasPrefix(p.Integrity, "sha512-") || len(p.Files) == 0 {
			return nil, fmt.Errorf("%s: %q needs a name, a version, a sha512 integrity and files", name, p.Name)
		}
		for _, f := range append([]string{p.Name}, p.Files...) {
			if !safePath(f) {
				return nil, fmt.Errorf("%s: %q is not a plain relative path", name, f)
			}
		}
	}
	return m.Packages, nil
}

// safePath refuses what could write outside the folder.
func safePath(p string) bool {
	return p != "" && !strings.HasPrefix(p, "/") && path.Clean(p) == p && p != "." &&
		p != ".." && !strings.HasPrefix(p, "../") && !strings.Contains(p, "\\")
}

// sumSection is a package's lines of npm.sum as the files on disk now hash; an error when one
// is missing.
func sumSection(dir string, p Package) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "package %s@%s %s\n", p.Name, p.Version, p.Integrity)
	for _, f := range p.Files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.Name), filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "file %s %s\n", path.Join(p.Name, f), sri256(data))
	}
	return b.Bytes(), nil
}

// removeStale deletes files of the folder's packages that the manifest no longer lists, and
// the folders of packages it dropped, so the folder holds exactly what npm.json names.
func removeStale(dir string, pkgs []Package, oldSum []byte) error {
	keep := map[string]bool{}
	names := map[string]bool{}
	for _, p := range pkgs {
		names[p.Name] = true
		for _, f := range p.Files {
			keep[path.Join(p.Name, f)] = true
		}
	}
	for line := range strings.SplitSeq(string(oldSum), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "package" {
			continue
		}
		name := fields[1][:max(strings.LastIndex(fields[1], "@"), 0)]
		if name != "" && !names[name] && safePath(name) {
			if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
				return err
			}
		}
	}
	for name := range names {
		root := filepath.Join(dir, filepath.FromSlash(name))
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil || keep[filepath.ToSlash(rel)] {
				return err
			}
			return os.Remove(p)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// registryFromNPM asks npm for its configured registry, as `npm install` would use it.
func registryFromNPM() (string, error) {
	out, err := exec.Command("npm", "config", "get", "registry").Output()
	if err != nil {
		return "", fmt.Errorf("no registry: set NPM_CONFIG_REGISTRY or install npm (%w)", err)
	}
	return strings.TrimSpace(string(out)), nil
}
