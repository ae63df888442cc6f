package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"latchkey/keyset"
)

const keysUsage = `Usage: server keys generate --out FILE [--algorithm EdDSA|ES256] [--prepend | --append]

Writes a new private key for signing access tokens to FILE (PKCS #8 PEM, mode 0600), for
ALGORITHM=EdDSA or ES256 with SIGNING_KEYS_FILE=FILE. The server reads FILE when it starts:
its first key signs, every key verifies and is published at /.well-known/jwks.json.

Without --prepend or --append, FILE must not exist. To rotate, add to it:
  --prepend  the new key goes first: it signs from the next start, the older keys still verify
  --append   the new key goes last: it is published and verifies from the next start, and signs
             once you move it first (with several replicas, restart them all in between, so
             that none refuses the new key's tokens)
Remove an old key once ACCESS_TOKEN_EXPIRE_MINUTES have passed since it last signed.

`

func keys(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "generate" {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprint(stdout, keysUsage)
			return flag.ErrHelp
		}
		fmt.Fprint(stderr, keysUsage)
		return errors.New("keys needs generate")
	}
	fs := flag.NewFlagSet("keys generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), keysUsage)
		fs.PrintDefaults()
	}
	out := fs.String("out", "", "`path` of the key file to write (required)")
	alg := fs.String("algorithm", "", "EdDSA or ES256; default: the algorithm of the keys already in the file, else EdDSA")
	prepend := fs.Bool("prepend", false, "add the new key first in an existing file: it signs")
	appendKey := fs.Bool("append", false, "add the new key last in an existing file: it only verifies, for now")
	rest, err := parseFlags(fs, args[1:], stdout, stderr)
	if err != nil {
		return err
	}
	if *out == "" || len(rest) > 0 || (*prepend && *appendKey) {
		fs.Usage()
		return errors.New("keys generate needs --out FILE, and at most one of --prepend and --append")
	}
	return generateKey(*out, *alg, *prepend, *appendKey, stdout)
}

// generateKey writes a new key to path, alone in a new file or added to the keys already there.
func generateKey(path, alg string, prepend, appendKey bool, stdout io.Writer) error {
	existing, err := os.ReadFile(path)
	adding := prepend || appendKey
	switch {
	case errors.Is(err, fs.ErrNotExist) && adding:
		return fmt.Errorf("%s does not exist: leave out --prepend and --append to create it", path)
	case err == nil && !adding:
		return fmt.Errorf("%s exists: pass --prepend (the new key signs) or --append (it only verifies, for now) to add to it; nothing was written", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read %s: %w", path, err)
	}
	if adding {
		if alg, err = fileAlgorithm(path, alg, existing); err != nil {
			return err
		}
	} else if alg == "" {
		alg = keyset.EdDSA
	}
	priv, err := keyset.Generate(alg)
	if err != nil {
		return err
	}
	block, err := keyset.EncodePEM(priv)
	if err != nil {
		return err
	}
	kid, _ := keyset.ID(priv.Public())
	switch {
	case prepend:
		err = replaceFile(path, append(block, existing...))
	case appendKey:
		if len(existing) > 0 && !bytes.HasSuffix(existing, []byte("\n")) {
			existing = append(existing, '\n')
		}
		err = replaceFile(path, append(existing, block...))
	default:
		err = createFile(path, block)
	}
	if err != nil {
		return err
	}
	reportKey(stdout, path, alg, kid, prepend, appendKey)
	return nil
}

// fileAlgorithm is the algorithm of the keys in an existing file, which must be alg when given.
func fileAlgorithm(path, alg string, data []byte) (string, error) {
	if alg != "" {
		if _, err := keyset.Parse(alg, data); err != nil {
			return "", fmt.Errorf("%s: %w; nothing was written", path, err)
		}
		return alg, nil
	}
	for _, a := range []string{keyset.EdDSA, keyset.ES256} {
		if _, err := keyset.Parse(a, data); err == nil {
			return a, nil
		}
	}
	_, err := keyset.Parse(keyset.EdDSA, data)
	return "", fmt.Errorf("%s holds no valid set of EdDSA or ES256 keys (%v); nothing was written", path, err)
}

func reportKey(w io.Writer, path, alg, kid string, prepend, appendKey bool) {
	fmt.Fprintf(w, "wrote a new %s key to %s (mode 0600), kid %s\n", alg, path, kid)
	switch {
	case prepend:
		fmt.Fprintln(w, "it is first in the file: it signs from the next start; the older keys still verify")
	case appendKey:
		fmt.Fprintln(w, "it is last in the file: published and verifying from the next start; move it first to sign with it")
	default:
		fmt.Fprintf(w, "start the server with ALGORITHM=%s SIGNING_KEYS_FILE=%s\n", alg, path)
	}
}

// createFile writes a new file that no one else may read, refusing to replace one.
func createFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// replaceFile swaps in the new contents at once, so that a crash leaves the old file or the
// new one, never half of a key. The new file has mode 0600 whatever the old one had.
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keys-*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("write next to %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
