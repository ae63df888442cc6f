package account

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/enttest"
	"latchkey/ent/outboxmail"
	"latchkey/ent/user"
)

// sweepFixture is a service on an in-memory database whose clock stands at now.
func sweepFixture(t *testing.T) (s *Service, db *ent.Client, now time.Time) {
	t.Helper()
	db = enttest.Open(t, "sqlite3", "file:"+t.Name()+"?mode=memory&cache=shared&_fk=1")
	t.Cleanup(func() { db.Close() })
	now = time.Now().UTC().Truncate(time.Microsecond)
	s, err := NewService(db, nil, Config{
		SecretKey:            []byte(strings.Repeat("k", 32)),
		Algorithm:            "HS256",
		ResetMailMinInterval: time.Minute,
		ResetMailsPerHour:    3,
		Now:                  func() time.Time { return now },
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s, db, now
}

// queueReset adds a reset request for to, made at at.
func queueReset(t *testing.T, db *ent.Client, to string, at time.Time) int {
	t.Helper()
	return db.OutboxMail.Create().SetKind(outboxmail.KindPasswordReset).SetRecipient(to).
		SetRequestedAt(at).SetNextAttemptAt(at).SaveX(context.Background()).ID
}

// TestSweepRefused: one sweep deletes the requests that will send nothing (unknown address, too
// soon, over the hourly limit), accepts each account's earliest allowed request at once and
// refuses that account's later ones with it; rows a sender holds are left alone.
func TestSweepRefused(t *testing.T) {
	ctx := context.Background()
	s, db, now := sweepFixture(t)
	mailedJustNow := now.Add(-10 * time.Second)
	windowStart := now.Add(-30 * time.Minute)
	db.User.Create().SetUsername("recent").SetEmail("recent@example.com").SetPasswordHash("x").SetLastResetMailAt(mailedJustNow).ExecX(ctx)
	db.User.Create().SetUsername("spent").SetEmail("spent@example.com").SetPasswordHash("x").
		SetLastResetMailAt(windowStart).SetResetMailWindowStart(windowStart).SetResetMailsInWindow(3).ExecX(ctx)
	fresh := db.User.Create().SetUsername("fresh").SetEmail("fresh@example.com").SetPasswordHash("x").SaveX(ctx)

	unknown := queueReset(t, db, "nobody@example.com", now)
	tooSoon := queueReset(t, db, "recent@example.com", now)
	overLimit := queueReset(t, db, "spent@example.com", now)
	freshLater := queueReset(t, db, "fresh@example.com", now.Add(-time.Second))
	freshFirst := queueReset(t, db, "fresh@example.com", now.Add(-2*time.Second)) // queued last, made first
	held := queueReset(t, db, "nobody@example.com", now)
	db.OutboxMail.UpdateOneID(held).SetLockedUntil(now.Add(time.Minute)).ExecX(ctx)

	if last := s.sweepRefused(ctx, 0); last != freshFirst {
		t.Errorf("sweep returned last id %d, want %d: the last free row", last, freshFirst)
	}
	left := db.OutboxMail.Query().IDsX(ctx)
	slices.Sort(left)
	if want := []int{freshFirst, held}; !slices.Equal(left, want) {
		t.Errorf("rows left %v, want %v (deleted unknown %d, too soon %d, over the limit %d, fresh's later %d)",
			left, want, unknown, tooSoon, overLimit, freshLater)
	}
	if m := db.OutboxMail.GetX(ctx, freshFirst); !m.Accepted || m.LockedUntil != nil {
		t.Errorf("fresh's first request: accepted %v, locked %v; want accepted and left for a sender", m.Accepted, m.LockedUntil)
	}
	u := db.User.GetX(ctx, fresh.ID)
	if u.LastResetMailAt == nil || !u.LastResetMailAt.Equal(now.Add(-2*time.Second)) || u.ResetMailsInWindow != 1 {
		t.Errorf("fresh's account: last mail %v, %d in the window; want the first request's time and 1", u.LastResetMailAt, u.ResetMailsInWindow)
	}
}

// TestSweepBoundsSlowQueue: while every sender is busy, the queue of one account's requests is
// settled by sweeps alone, down to the one accepted request, however many arrive.
func TestSweepBoundsSlowQueue(t *testing.T) {
	ctx := context.Background()
	s, db, now := sweepFixture(t)
	db.User.Create().SetUsername("ada").SetEmail("ada@example.com").SetPasswordHash("x").ExecX(ctx)
	var sweeper refusedSweeper
	for range 3 {
		for range sweepBatch + 10 {
			queueReset(t, db, "ada@example.com", now)
		}
		sweeper.sweep(ctx, s)
		sweeper.sweep(ctx, s)
	}
	rows := db.OutboxMail.Query().AllX(ctx)
	if len(rows) != 1 || !rows[0].Accepted {
		t.Fatalf("%d rows left, want the one accepted request", len(rows))
	}
	if u := db.User.Query().Where(user.Email("ada@example.com")).OnlyX(ctx); u.ResetMailsInWindow != 1 {
		t.Errorf("the account counted %d mails, want 1", u.ResetMailsInWindow)
	}
}

// TestClaimSkipsRequestAcceptedSinceRead: a sender that read a request before a sweep accepted
// it does not take the stale copy (it would count the request again, find it too soon after
// itself and send nothing); it takes the request afresh, accepted, in its next round.
func TestClaimSkipsRequestAcceptedSinceRead(t *testing.T) {
	ctx := context.Background()
	s, db, now := sweepFixture(t)
	u := db.User.Create().SetUsername("ada").SetEmail("ada@example.com").SetPasswordHash("x").SaveX(ctx)
	id := queueReset(t, db, "ada@example.com", now)

	stale := db.OutboxMail.Query().AllX(ctx)
	if !s.acceptQueued(ctx, u, stale[0], now) {
		t.Fatal("the sweep could not accept a free request")
	}
	if got := s.take(ctx, stale, now, time.Minute); len(got) != 0 {
		t.Fatalf("took the stale copy of request %d", got[0].ID)
	}
	got := s.claim(ctx, 1, time.Minute, nil)
	if len(got) != 1 || got[0].ID != id || !got[0].Accepted {
		t.Fatalf("claim = %v, want request %d, accepted", got, id)
	}
	if s.acceptQueued(ctx, u, got[0].OutboxMail, now) {
		t.Error("a sweep accepted a request a sender holds")
	}
}
