package account

import (
	"context"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
)

// TestPasswordNoticeFoldsChanges: changes fold into the account's pending notice until a sender
// claims it; a change after the claim queues a new notice, due one interval after the claimed
// one, and later changes fold into that.
func TestPasswordNoticeFoldsChanges(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := newTestService(t, at(now))
	db := s.db
	u := addUser(t, db, "ada")
	change := func() {
		t.Helper()
		err := s.withTx(ctx, func(tx *ent.Tx) error {
			_, err := s.setPassword(ctx, tx, u.ID, "new-hash", mailboxUnproved)
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
	first := notices()
	if len(first) != 1 || first[0].ChangeCount != 1 || !first[0].NextAttemptAt.Equal(now) || first[0].PreviousNoticeAt != nil {
		t.Fatalf("after the first change: %+v, want one notice of one change, due now", first)
	}
	change()
	t.Run("OKFoldedIntoPending", func(t *testing.T) {
		if got := notices(); len(got) != 1 || got[0].ChangeCount != 2 || !got[0].LastChangeAt.Equal(now) {
			t.Errorf("after the second change: %+v, want the one notice of two changes", got)
		}
	})
	hold(t, db, first[0].ID, now)
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
