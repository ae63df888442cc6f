package outbox

import (
	"context"
	"errors"
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
		// The last write hands on or winds down just after its rows have their answers.
		waitFor(t, "the batch to wind down", func() bool { b.mu.Lock(); defer b.mu.Unlock(); return !b.writing && len(b.pending) == 0 })
	})

	// A request that gives up on its context leaves the batch able to write the rows behind it,
	// whether it gave up while waiting or just as it was handed the next write.
	t.Run("OKGivingUpHandsTheWriteOn", func(t *testing.T) {
		for i := range 20 {
			var b batch
			b.writing = true // a write under way
			pending := func(n int) func() bool {
				return func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == n }
			}
			gaveUp, cancel := context.WithCancel(ctx)
			first, second := make(chan error, 1), make(chan error, 1)
			go func() { first <- b.insert(gaveUp, db, batchRow(db, fmt.Sprintf("gave-up%d@example.com", i))) }()
			waitFor(t, "the first row to wait", pending(1))
			go func() { second <- b.insert(ctx, db, batchRow(db, fmt.Sprintf("waited%d@example.com", i))) }()
			waitFor(t, "the second row to wait", pending(2))
			b.mu.Lock()
			cancel()                 // the first gives up, and waits for the lock to leave
			close(b.pending[0].lead) // as the write under way ends and hands it the next
			b.mu.Unlock()
			if err := <-first; err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("first: %v", err)
			}
			select {
			case err := <-second:
				if err != nil {
					t.Fatalf("second: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the row behind the one that gave up was never written")
			}
			waitFor(t, "the batch to wind down", func() bool { b.mu.Lock(); defer b.mu.Unlock(); return !b.writing && len(b.pending) == 0 })
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
