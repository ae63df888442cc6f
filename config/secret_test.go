package config_test

import (
	"strings"
	"testing"
)

func TestWeakSecretKey(t *testing.T) {
	tests := []struct {
		name, key, want string // want: "" for a key that production accepts
	}{
		{"OKOpensslHex32", "8c78a2feb27a0ed1dfba47c21e6b2a5e55b995b7a04d2d48e4a10fe11f83e23b", ""},
		{"OKOpensslHex16", "e1b04c7d9a3f5e28c6d0b1a97f43e8d2", ""},
		{"OKBase64", "k64OnHkyGxNUteVg9gZEWzMfSy6cuopr3ZDkqChg", ""},
		{"ErrOneByteRepeated", strings.Repeat("a", 32), "repeats a pattern of 1 bytes"},
		{"ErrFewDistinct", "k2b9q2k9b2q9kb29qk2b9qkb2q9k2b9q", "has only 5 distinct bytes"},
		{"ErrFifteenDistinct", "Gx7-pQ2z!Rm4kWvQzRx7Gp-m2W4k!vzxRQG", "has only 15 distinct bytes"},
		{"ErrFewHexDigits", "c0ffee00decaf0c0ffeebad00dec0de0c0ffee00decaf0c0ffeebad00dec0de1", "has only 8 distinct bytes (want at least 10)"},
		{"ErrRepeatedPattern", strings.Repeat("Tr0ub4dor&3", 3), "repeats a pattern of 11 bytes"},
		{"ErrFastAPITutorialKey", "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7", "example key published in a tutorial"},
		{"ErrTutorialKeyUpperCase", "09D25E094FAA6CA2556C818166B7A9563B93F7099F6F0F4CAA6CF63B88E8D3E7", "example key published in a tutorial"},
		{"ErrChangeMe", "changeme-to-something-long-and-random", "looks like a placeholder"},
		{"ErrChangeMeMixedCase", "Please_Change_Me_Before_Deploying_42", "looks like a placeholder"},
		{"ErrYourSecretKey", "your-secret-key-goes-here-in-production", "looks like a placeholder"},
		{"ErrSecretKeyWords", "my super secret key for the jwt tokens!!", "looks like a placeholder"},
		{"ErrHexSequenceTwice", "0123456789abcdef0123456789abcdef", "repeats a pattern of 16 bytes"},
		{"ErrSequenceWithSuffix", "0123456789abcdef0123456789abcdef-test-key", "run of consecutive characters"},
		{"ErrAlphabet", "abcdefghijklmnopqrstuvwxyz0123456789", "run of consecutive characters"},
		{"ErrDescending", "zyxwvutsrqponmlkjihgfedcba9876543210", "run of consecutive characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prod := map[string]string{"APP_ENV": "production", "FRONTEND_URL": "https://accounts.example.com", "SECRET_KEY": tt.key, "MAIL_SERVER": "smtp.example.com"}
			if tt.want == "" {
				mustLoad(t, prod)
				for _, w := range mustLoad(t, map[string]string{"SECRET_KEY": tt.key}).Warnings() {
					if strings.HasPrefix(w, "SECRET_KEY") {
						t.Errorf("warning for a random key: %q", w)
					}
				}
				return
			}
			got := loadErr(t, prod)
			if !strings.HasPrefix(got, "SECRET_KEY: ") || !strings.Contains(got, tt.want) {
				t.Errorf("error = %q, want SECRET_KEY: %s", got, tt.want)
			}
			if strings.Contains(got, tt.key) || strings.Contains(strings.ToLower(got), strings.ToLower(tt.key)) {
				t.Errorf("error echoes the key: %q", got)
			}
			dev := mustLoad(t, map[string]string{"SECRET_KEY": tt.key})
			if !hasWarning(dev.Warnings(), tt.want) {
				t.Errorf("development warnings %q lack SECRET_KEY %s", dev.Warnings(), tt.want)
			}
		})
	}
	t.Run("ErrShortKeyEveryEnv", func(t *testing.T) {
		for _, appEnv := range []string{"development", "test", "production"} {
			got := loadErr(t, map[string]string{"APP_ENV": appEnv, "SECRET_KEY": "0123456789", "MAIL_SERVER": "smtp.example.com", "FRONTEND_URL": "https://accounts.example.com"})
			if got != "SECRET_KEY: must be at least 32 bytes (got 10)" {
				t.Errorf("APP_ENV=%s: error = %q, want the length problem alone", appEnv, got)
			}
		}
	})
}

// hasWarning reports whether a warning about SECRET_KEY says problem.
func hasWarning(warnings []string, problem string) bool {
	for _, w := range warnings {
		if strings.HasPrefix(w, "SECRET_KEY ") && strings.Contains(w, problem) {
			return true
		}
	}
	return false
}
