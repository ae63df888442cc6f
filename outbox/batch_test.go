package outbox

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
)

func batchRow(db *ent.Client, recipient string) *ent.OutboxMailCreate {
	now := time.Now().UTC()
	return db.OutboxMail.Create().SetKind(outboxmail.KindPasswordReset).SetRecipient(recipient).
		SetRequestedAt(now).SetNextAttemptAt(now)
}

func TestBatch(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)

	t.Run("OKConcurrent", func(t *testing.T) {
		var b batch
		const n = 300 // more than maxBatch
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = b.insert(ctx, db, batchRow(db, fmt.Sprintf("r%03d@example.com", i))) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("insert %d: %v", i, err)
			}
		}
		if got := db.OutboxMail.Query().CountX(ctx); got != n {
			t.Errorf("%d rows, want %d", got, n)
		}
		if b.writing || len(b.pending) != 0 {
			t.Errorf("batch left writing=%v with %d pending", b.writing, len(b.pending))
		}
	})

	t.Run("ErrOnlyTheBadRow", func(t *testing.T) {
		var b batch
		// Hold the write so that the rows gather into one batch, the bad one among them.
		b.writing = true
		recipients := []string{"good1@example.com", strings.Repeat("x", 300), "good2@example.com"}
		errs := make([]error, len(recipients))
		var wg sync.WaitGroup
		for i, r := range recipients {
			wg.Go(func() { errs[i] = b.insert(ctx, db, batchRow(db, r)) })
		}
		waitFor(t, "the rows to gather", func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == len(recipients) })
		b.mu.Lock()
		close(b.pending[0].lead)
		b.mu.Unlock()
		wg.Wait()
		if errs[0] != nil || errs[2] != nil {
			t.Errorf("good rows failed: %v, %v", errs[0], errs[2])
		}
		if errs[1] == nil {
			t.Error("a 300-character recipient was written")
		}
	})
}
