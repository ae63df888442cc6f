package config

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"latchkey/keyset"
)

const minSecretKeyBytes = 32

// A key needs 16 distinct bytes. A hex key (`openssl rand -hex 32`, as the README advises) has
// only 16 symbols to choose from and misses one of them one time in four, so it needs 10 of
// them instead: 32 random hex digits have fewer about once in a hundred thousand.
const (
	minDistinctKeyBytes  = 16
	minDistinctHexDigits = 10
)

// placeholderKeys are example keys that tutorials and sample projects publish, so whoever
// copied one signs tokens that anyone can forge. Compared after normalizeKey.
var placeholderKeys = []string{
	"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7", // FastAPI's OAuth2 JWT tutorial
	"404e635266556a586e3272357538782f413f4428472b4b6250645367566b5970", // a much-copied Spring Boot JWT example
}

// placeholderWords betray a key typed by a person to be replaced later. Each is long enough
// that a random key holds one by chance about once in a billion.
var placeholderWords = []string{
	"changeme", "changethis", "replaceme", "replacethis", "yoursecret", "mysecret", "secretkey",
	"supersecret", "topsecret", "placeholder", "example", "insecure", "donotuse", "dontuse",
	"password", "qwerty", "letmein", "default",
}

func (l *loader) secretKey(name string) (key string, generated bool) {
	s := l.str(name)
	if s == "" {
		b := make([]byte, minSecretKeyBytes)
		_, _ = rand.Read(b) // never fails: crypto/rand crashes the program instead
		return hex.EncodeToString(b), true
	}
	if len(s) < minSecretKeyBytes {
		l.fail(name, fmt.Sprintf("must be at least %d bytes (got %d)", minSecretKeyBytes, len(s)))
	}
	return s, false
}

// weakKey says what makes a long enough key guessable, or "" when nothing does. It never
// quotes the key.
func weakKey(key string) string {
	if len(key) < minSecretKeyBytes {
		return "" // refused for its length already, in every APP_ENV
	}
	if p := period(key); p > 0 {
		return fmt.Sprintf("repeats a pattern of %d bytes, so it is not random", p)
	}
	norm := normalizeKey(key)
	for _, k := range placeholderKeys {
		if norm == k {
			return "is an example key published in a tutorial"
		}
	}
	for _, w := range placeholderWords {
		if strings.Contains(norm, w) {
			return "looks like a placeholder (it contains a word such as changeme, secret key or example)"
		}
	}
	if sequential(norm) {
		return "is mostly a run of consecutive characters (like 0123456789abcdef), so it is not random"
	}
	want := minDistinctKeyBytes
	if isHex(key) {
		want = minDistinctHexDigits
	}
	if n := distinctBytes(key); n < want {
		return fmt.Sprintf("has only %d distinct bytes (want at least %d), so it is not random", n, want)
	}
	return ""
}

// normalizeKey lower-cases and keeps letters and digits only, so "Change-Me" is "changeme".
func normalizeKey(key string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, key)
}

func isHex(s string) bool {
	return strings.Trim(strings.ToLower(s), "0123456789abcdef") == ""
}

func distinctBytes(s string) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
		}
	}
	return n
}

// period returns the length of a pattern that s repeats at least twice, or 0.
func period(s string) int {
	for p := 1; p <= len(s)/2; p++ {
		if s[p:] == s[:len(s)-p] {
			return p
		}
	}
	return 0
}

// sequential reports whether most neighbours in s are neighbours in 0-9a-z too, either way.
func sequential(s string) bool {
	const order = "0123456789abcdefghijklmnopqrstuvwxyz"
	steps := 0
	for i := 1; i < len(s); i++ {
		d := strings.IndexByte(order, s[i]) - strings.IndexByte(order, s[i-1])
		if d == 1 || d == -1 {
			steps++
		}
	}
	return len(s) > 1 && steps*2 > len(s)-1
}

// signingKeys reads the key file that EdDSA and ES256 need, and refuses one with HS*, which
// would leave the keys unused while the operator believes they sign.
func (l *loader) signingKeys(name, alg string) (string, *keyset.Set) {
	path := l.str(name)
	switch {
	case !keyset.Supported(alg):
		if path != "" && strings.HasPrefix(alg, "HS") {
			l.fail(name, fmt.Sprintf("is set, but ALGORITHM=%s signs with SECRET_KEY: set ALGORITHM to EdDSA or ES256 to sign with the file, or unset %s", alg, name))
		}
		return "", nil
	case path == "":
		l.fail(name, fmt.Sprintf("must name a PEM file of private keys when ALGORITHM=%s (server keys generate --algorithm %s --out FILE writes one)", alg, alg))
		return "", nil
	}
	set, err := keyset.Load(alg, path)
	if err != nil {
		l.fail(name, err.Error())
		return path, nil
	}
	return path, set
}
