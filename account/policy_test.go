package account

import (
	"strings"
	"testing"
)

func TestPasswordPolicyCheck(t *testing.T) {
	const (
		tooShort = "Password must be at least 8 characters"
		tooLong  = "Password must be at most 128 characters"
		common   = "This password is too common. Choose a less guessable one."
		invalid  = "Password contains invalid characters"
	)
	policy := PasswordPolicy{MinLength: 8}
	for _, tc := range []struct{ name, password, want string }{
		{"OK8Chars", "zq7#vkLm", ""},
		{"ErrTooShort7Chars", "zq7#vkL", tooShort},
		{"ErrEmpty", "", tooShort},
		{"OK8MultibyteChars", "ñandú🦤ök", ""},
		{"ErrTooShort7MultibyteChars", "ñandú🦤ö", tooShort},
		{"OK128MultibyteChars", strings.Repeat("é🔑", 64), ""},
		{"ErrTooLong129MultibyteChars", strings.Repeat("é🔑", 64) + "x", tooLong},
		{"ErrCommonLower", "password", common},
		{"ErrCommonUpper", "PASSWORD", common},
		{"ErrCommonDigits", "12345678", common},
		{"ErrCommonMixedCase", "iLoveYou", common},
		{"ErrCommonCapitalised", "Password1", common},
		{"ErrCommonLowerDigit", "password1", common},
		{"ErrCommonKeyboardRow", "QwertyUiop", common},
		{"ErrRepeatedChar", "aaaaaaaaaaaa", common},
		{"ErrRepeatedCharMixedCase", "aAaAaAaAaA", common},
		{"ErrRepeatedMultibyteChar", "ééééééééé", common},
		{"ErrNULByte", "zq7#vkLm\x00tail", invalid},
		{"ErrInvalidUTF8", "zq7#vkLm\xff", invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := policy.Check(tc.password); got != tc.want {
				t.Fatalf("Check(%q) = %q; want %q", tc.password, got, tc.want)
			}
		})
	}
}

func TestPasswordPolicyMinLength(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min      int
		password string
		want     string
	}{
		{"ErrZeroMinStillRefusesEmpty", 0, "", "Password must not be empty"},
		{"OKZeroMin", 0, "x9", ""},
		{"ErrNISTMin15", 15, "zq7#vkLm-zq7#v", "Password must be at least 15 characters"},
		{"OKNISTMin15", 15, "zq7#vkLm-zq7#vk", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (PasswordPolicy{MinLength: tc.min}).Check(tc.password); got != tc.want {
				t.Fatalf("Check(%q) = %q; want %q", tc.password, got, tc.want)
			}
		})
	}
}

func TestIsCommonPassword(t *testing.T) {
	for _, tc := range []struct {
		name string
		pw   string
		want bool
	}{
		{"CommonFromList", "dragon", true},
		{"CommonIgnoringCase", "DrAgOn", true},
		{"CommonSingleChar", "x", true},
		{"NotCommonEmpty", "", false},
		{"NotCommonRandom", "vX3!qm8@Lp", false},
		{"NotCommonTwoChars", "abababab", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsCommonPassword(tc.pw); got != tc.want {
				t.Fatalf("IsCommonPassword(%q) = %v; want %v", tc.pw, got, tc.want)
			}
		})
	}
}

func BenchmarkIsCommonPassword(b *testing.B) {
	IsCommonPassword("warm-up") // build the list outside the timed loop
	for b.Loop() {
		IsCommonPassword("Correct-Horse-Battery")
	}
}
