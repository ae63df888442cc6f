package account

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"latchkey/ent"
	"latchkey/ent/enttest"
	"latchkey/ent/predicate"
)

// noOutbox is an Outbox that is never used: NewService only checks that there is one.
type noOutbox struct{}

func (noOutbox) Add(context.Context, *ent.OutboxMailCreate) error { return nil }
func (noOutbox) Wake()                                            {}
func (noOutbox) Unclaimed() predicate.OutboxMail                  { return nil }

// NewService takes every setting from its caller: config's table holds the defaults.
func TestNewServiceRefusesIncompleteConfig(t *testing.T) {
	valid := Config{SecretKey: []byte(strings.Repeat("k", 32)), Algorithm: "HS256", ResetMailsPerHour: 3, Outbox: noOutbox{}}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"OK", func(*Config) {}, ""},
		{"ErrShortKey", func(c *Config) { c.SecretKey = c.SecretKey[:31] }, "secret key must be at least 32 bytes"},
		{"ErrNoDatabase", func(*Config) {}, "a database client is required"},
		{"ErrNoOutbox", func(c *Config) { c.Outbox = nil }, "an Outbox is required"},
		{"ErrResetMailsPerHourZero", func(c *Config) { c.ResetMailsPerHour = 0 }, "ResetMailsPerHour must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			var db *ent.Client
			if tt.name != "ErrNoDatabase" {
				db = enttest.Open(t, "sqlite3", "file:"+filepath.Join(t.TempDir(), "config.db")+"?_fk=1")
				t.Cleanup(func() { db.Close() })
			}
			_, err := NewService(db, nil, cfg, nil)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("NewService: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("NewService error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
