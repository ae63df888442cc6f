package account

import (
	"context"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
)

// TestPasswordNoticeFoldsChanges: changes fold into the account's pending notice until a sender
// claims it; a sender that read the notice before a change does not claim the stale copy (it
// would send one change too few); a change after the claim queues a new notice, due one
// interval after the claimed one, and later changes fold into that.
func TestPasswordNoticeFoldsChanges(t *testing.T) {
	ctx := context.Background()
	s, db, now := sweepFixture(t)
	u := db.User.Create().SetUsername("ada").SetEmail("ada@example.com").SetPasswordHash("x").SaveX(ctx)
	change := func() {
		t.Helper()
		err := s.withTx(ctx, func(tx *ent.Tx) error {
			_, err := s.setPassword(ctx, tx, u.ID, "new-hash")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	notices := func() []*ent.OutboxMail {
		return db.OutboxMail.Query().Where(outboxmail.KindEQ(outboxmail.KindPasswordChanged)).Order(outboxmail.ByID()).AllX(ctx)
	}

	change()
	stale := notices()
	if len(stale) != 1 || stale[0].ChangeCount != 1 || !stale[0].NextAttemptAt.Equal(now) || stale[0].PreviousNoticeAt != nil {
		t.Fatalf("after the first change: %+v, want one notice of one change, due now", stale)
	}
	change()
	t.Run("OKFoldedIntoPending", func(t *testing.T) {
		if got := notices(); len(got) != 1 || got[0].ChangeCount != 2 || !got[0].LastChangeAt.Equal(now) {
			t.Errorf("after the second change: %+v, want the one notice of two changes", got)
		}
	})
	t.Run("ErrStaleCopyNotClaimed", func(t *testing.T) {
		if got := s.take(ctx, stale, now, time.Minute); len(got) != 0 {
			t.Fatalf("took the stale copy of notice %d", got[0].ID)
		}
	})
	claimed := s.claim(ctx, 1, time.Minute, nil)
	if len(claimed) != 1 || claimed[0].ChangeCount != 2 {
		t.Fatalf("claim = %v, want the notice of two changes", claimed)
	}
	change()
	change()
	t.Run("OKChangeAfterClaimQueuesNext", func(t *testing.T) {
		got := notices()
		if len(got) != 2 || got[0].ChangeCount != 2 {
			t.Fatalf("notices %+v, want the claimed one untouched and a new one", got)
		}
		next := got[1]
		if next.ChangeCount != 2 || !next.NextAttemptAt.Equal(now.Add(PasswordNoticeInterval)) ||
			next.PreviousNoticeAt == nil || !next.PreviousNoticeAt.Equal(now) {
			t.Errorf("new notice: %d changes, due %v, previous %v; want 2, %v, %v",
				next.ChangeCount, next.NextAttemptAt, next.PreviousNoticeAt, now.Add(PasswordNoticeInterval), now)
		}
		if to := next.UserID; to == nil || *to != u.ID || next.Recipient != "ada@example.com" {
			t.Errorf("new notice for user %v at %q, want %d at the stored address", to, next.Recipient, u.ID)
		}
	})
}
