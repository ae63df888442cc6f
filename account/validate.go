package account

import (
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

const (
	maxEmailLen = 254
	maxLocalLen = 64
)

// domainProfile is IDNA's lookup profile (UTS #46 mapping, STD3, hyphen, joiner and bidi rules,
// no transitional mapping) with DNS length limits on top.
var domainProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.VerifyDNSLength(true), idna.Transitional(false))

// normalizeEmail returns the one stored spelling of an address: NFC, lower-case, the domain in
// IDNA A-labels. It refuses what is not one bare mailbox at a domain name, and addresses that
// could pass for another one: invisible characters, or a local part in mixed scripts.
func normalizeEmail(field, raw string) (string, error) {
	invalid := badInput(field, "Enter a valid email address")
	raw = strings.TrimSpace(raw)
	// Bounded before any Unicode work; the limits proper apply to the canonical form below.
	if raw == "" || len(raw) > 4*maxEmailLen || !utf8.ValidString(raw) {
		return "", invalid
	}
	at := strings.LastIndexByte(raw, '@')
	if at < 0 || !visible(raw) {
		return "", invalid
	}
	local := norm.NFC.String(strings.ToLower(raw[:at]))
	domain, ok := canonicalDomain(raw[at+1:])
	if !ok || local == "" || len(local) > maxLocalLen || !oneScript(local) {
		return "", invalid
	}
	email := local + "@" + domain
	if len(email) > maxEmailLen {
		return "", invalid
	}
	// ParseAddress takes any non-ASCII rune as atext, so it only checks the ASCII syntax here.
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", invalid
	}
	return email, nil
}

// canonicalDomain returns d in lower-case A-labels, refusing address literals ("[10.0.0.5]",
// which STD3 rules leave out), bare IP addresses and single-label names such as "localhost":
// none is a mailbox's domain.
func canonicalDomain(d string) (string, bool) {
	ascii, err := domainProfile.ToASCII(d)
	if err != nil {
		return "", false
	}
	labels := strings.Split(ascii, ".")
	// Every top-level domain is letters or an A-label, which rules out "10.0.0.5" and its
	// shorthands ("10.5", "0x0a.0x05") too.
	tld := labels[len(labels)-1]
	if len(labels) < 2 || !(strings.HasPrefix(tld, "xn--") || isLetters(tld)) {
		return "", false
	}
	return ascii, true
}

func isLetters(s string) bool {
	for i := range len(s) {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}

// visible reports whether s holds only letters, marks, digits, punctuation and symbols: no
// spaces, controls, format characters (zero-width, bidi controls, tags), private-use or
// unassigned code points, variation selectors or other default-ignorable ones.
func visible(s string) bool {
	for _, r := range s {
		if !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S) ||
			unicode.In(r, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) {
			return false
		}
	}
	return true
}

// scriptSets are the mixtures UTS #39's "highly restrictive" level allows besides one script.
var scriptSets = [][]*unicode.RangeTable{
	{unicode.Latin, unicode.Han, unicode.Hiragana, unicode.Katakana},
	{unicode.Latin, unicode.Han, unicode.Bopomofo},
	{unicode.Latin, unicode.Han, unicode.Hangul},
}

// oneScript reports whether the letters of s come from one script (Common and Inherited, such
// as digits, dots and combining accents, go with any), so that "pаypal" with a Cyrillic "а"
// cannot pass for "paypal".
func oneScript(s string) bool {
	var used []*unicode.RangeTable
	for _, r := range s {
		if unicode.In(r, unicode.Common, unicode.Inherited) || inAny(used, r) {
			continue
		}
		t := scriptOf(r)
		if t == nil {
			return false
		}
		used = append(used, t)
	}
	if len(used) <= 1 {
		return true
	}
	for _, set := range scriptSets {
		if subset(used, set) {
			return true
		}
	}
	return false
}

func scriptOf(r rune) *unicode.RangeTable {
	for _, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	return nil
}

func inAny(tables []*unicode.RangeTable, r rune) bool {
	for _, t := range tables {
		if unicode.Is(t, r) {
			return true
		}
	}
	return false
}

func subset(a, b []*unicode.RangeTable) bool {
	for _, t := range a {
		if !slices.Contains(b, t) {
			return false
		}
	}
	return true
}

// validUsername allows 3 to 64 letters, digits, dots, dashes and underscores.
func validUsername(name string) error {
	if n := len(name); n < 3 || n > 64 {
		return badInput("username", "Username must be 3 to 64 characters")
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_'
		if !ok {
			return badInput("username", "Username may contain only letters, digits, dots, dashes and underscores")
		}
	}
	return nil
}

// checkPassword applies the password policy; field names the input the password came in.
func (s *Service) checkPassword(field, password string) error {
	if reason := s.policy.Check(password); reason != "" {
		return badInput(field, reason)
	}
	return nil
}
