package account

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

const maxEmailLen = 254

// normalizeEmail trims and lower-cases an address and checks it is a bare, well-formed one.
func normalizeEmail(field, raw string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	invalid := badInput(field, "Enter a valid email address")
	if email == "" || len(email) > maxEmailLen || !utf8.ValidString(email) || strings.ContainsAny(email, "\x00\r\n") {
		return "", invalid
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", invalid
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || len(local) > 64 || domain == "" || strings.HasPrefix(domain, "[") {
		return "", invalid
	}
	return email, nil
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
