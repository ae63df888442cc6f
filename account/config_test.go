package account

import (
	"strings"
	"testing"
)

// NewService takes every setting from its caller: config's table holds the defaults.
func TestNewServiceRefusesIncompleteConfig(t *testing.T) {
	valid := Config{SecretKey: []byte(strings.Repeat("k", 32)), Algorithm: "HS256", ResetMailsPerHour: 3}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"OK", func(*Config) {}, ""},
		{"ErrShortKey", func(c *Config) { c.SecretKey = c.SecretKey[:31] }, "secret key must be at least 32 bytes"},
		{"ErrResetMailsPerHourZero", func(c *Config) { c.ResetMailsPerHour = 0 }, "ResetMailsPerHour must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			_, err := NewService(nil, nil, cfg, nil)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("NewService: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("NewService error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
