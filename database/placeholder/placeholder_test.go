package placeholder

import "testing"

func TestDollar(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"DELETE FROM t WHERE version = ?", "DELETE FROM t WHERE version = $1"},
		{"INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"UPDATE t SET ü = ? WHERE id = ?", "UPDATE t SET ü = $1 WHERE id = $2"},
	}
	for _, tt := range tests {
		if got := Dollar(tt.in); got != tt.want {
			t.Errorf("Dollar(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
