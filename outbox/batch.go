package outbox

import (
	"context"
	"sync"

	"latchkey/ent"
)

// maxBatch bounds one INSERT: SQLite allows 32 766 bound values, an outbox row takes 6.
const maxBatch = 256

// batch writes the outbox rows of concurrent requests together: one INSERT and one commit
// for every request that arrived while the previous write was under way, instead of one each.
// Under a flood of forgotPassword, SQLite's single writer then spends its time writing rows, not
// committing, and no request waits behind a queue of commits. It has no goroutine of its own:
// the first request to find no write under way writes, and hands what gathered meanwhile to the
// next request in line, which writes it.
type batch struct {
	mu      sync.Mutex
	pending []*queuedRow
	writing bool
}

type queuedRow struct {
	create *ent.OutboxMailCreate
	done   chan error    // the row's outcome
	lead   chan struct{} // closed when this request is to write the next batch
}

// insert adds the row and returns once it is committed, or failed.
func (b *batch) insert(ctx context.Context, db *ent.Client, create *ent.OutboxMailCreate) error {
	q := &queuedRow{create: create, done: make(chan error, 1), lead: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, q)
	if b.writing {
		b.mu.Unlock()
		// No giving up on ctx here: this request may be handed the next batch to write.
		select {
		case err := <-q.done:
			return err
		case <-q.lead:
		}
	} else {
		b.writing = true
		b.mu.Unlock()
	}
	b.write(ctx, db)
	return <-q.done
}

// write inserts what is pending (up to maxBatch rows), then hands the rest to its first request.
func (b *batch) write(ctx context.Context, db *ent.Client) {
	b.mu.Lock()
	n := min(len(b.pending), maxBatch)
	rows := b.pending[:n:n]
	b.pending = b.pending[n:]
	b.mu.Unlock()

	// The rows are other requests' too: this one going away must not fail them.
	ctx = context.WithoutCancel(ctx)
	creates := make([]*ent.OutboxMailCreate, len(rows))
	for i, q := range rows {
		creates[i] = q.create
	}
	err := db.OutboxMail.CreateBulk(creates...).Exec(ctx)
	for _, q := range rows {
		if err != nil && len(rows) > 1 {
			// One row's fault must not be every row's: try each alone.
			q.done <- q.create.Exec(ctx)
			continue
		}
		q.done <- err
	}

	b.mu.Lock()
	if len(b.pending) > 0 {
		close(b.pending[0].lead)
	} else {
		b.writing = false
		b.pending = nil
	}
	b.mu.Unlock()
}
