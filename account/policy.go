package account

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"
)

const maxPasswordLength = 128

// PasswordPolicy checks new passwords.
type PasswordPolicy struct {
	MinLength int // in Unicode characters; at least 1 is always required, at most 128 allowed
}

// Check returns "" when password is acceptable, else the reason to show the user.
func (p PasswordPolicy) Check(password string) string {
	if !utf8.ValidString(password) || strings.IndexByte(password, 0) >= 0 {
		return "Password contains invalid characters"
	}
	n := utf8.RuneCountInString(password)
	if n < p.MinLength {
		return fmt.Sprintf("Password must be at least %d characters", p.MinLength)
	}
	if n == 0 {
		return "Password must not be empty"
	}
	if n > maxPasswordLength {
		return fmt.Sprintf("Password must be at most %d characters", maxPasswordLength)
	}
	if IsCommonPassword(password) {
		return "This password is too common. Choose a less guessable one."
	}
	return ""
}

// IsCommonPassword reports whether pw, ignoring case, is a well-known password or one character repeated.
func IsCommonPassword(pw string) bool {
	if pw == "" {
		return false
	}
	lower := strings.ToLower(pw)
	if first, _ := utf8.DecodeRuneInString(lower); strings.TrimLeft(lower, string(first)) == "" {
		return true
	}
	_, ok := commonPasswords()[lower]
	return ok
}

// commonPasswords is built on first use rather than at init, so that programs
// that never check a password do not pay for a 30,000-entry map.
// The source is zxcvbn's list of the 30,000 most common passwords
// (FrequencyLists["passwords"] in github.com/trustelem/zxcvbn/frequency).
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	set := make(map[string]struct{}, len(list))
	for _, pw := range list {
		if n := utf8.RuneCountInString(pw); n >= 1 && n <= maxPasswordLength {
			set[strings.ToLower(pw)] = struct{}{}
		}
	}
	return set
})
