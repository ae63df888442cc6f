package account

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/ent/enttest"
	"latchkey/ent/outboxmail"
)

// TestSweepRefused: requests for unknown addresses and requests too soon after the account's last
// mail are deleted; requests that may send mail, and rows a sender holds, are left alone.
func TestSweepRefused(t *testing.T) {
	ctx := context.Background()
	db := enttest.Open(t, "sqlite3", "file:sweep-refused?mode=memory&cache=shared&_fk=1")
	t.Cleanup(func() { db.Close() })
	now := time.Now().UTC()
	s, err := NewService(db, nil, Config{
		SecretKey:            []byte(strings.Repeat("k", 32)),
		Algorithm:            "HS256",
		ResetMailMinInterval: time.Minute,
		Now:                  func() time.Time { return now },
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	mailedJustNow := now.Add(-10 * time.Second)
	db.User.Create().SetUsername("recent").SetEmail("recent@example.com").SetPasswordHash("x").SetLastResetMailAt(mailedJustNow).ExecX(ctx)
	db.User.Create().SetUsername("fresh").SetEmail("fresh@example.com").SetPasswordHash("x").ExecX(ctx)
	queue := func(to string) int {
		return db.OutboxMail.Create().SetKind(outboxmail.KindPasswordReset).SetRecipient(to).
			SetRequestedAt(now).SetNextAttemptAt(now).SaveX(ctx).ID
	}
	unknown := queue("nobody@example.com")
	tooSoon := queue("recent@example.com")
	allowed := queue("fresh@example.com")
	held := queue("nobody@example.com")
	db.OutboxMail.UpdateOneID(held).SetLockedUntil(now.Add(time.Minute)).ExecX(ctx)

	if last := s.sweepRefused(ctx, 0); last != allowed {
		t.Errorf("sweep returned last id %d, want %d: the last free row", last, allowed)
	}
	left := db.OutboxMail.Query().IDsX(ctx)
	slices.Sort(left)
	if want := []int{allowed, held}; !slices.Equal(left, want) {
		t.Errorf("rows left %v, want %v (deleted unknown %d and too soon %d)", left, want, unknown, tooSoon)
	}
}
