package outbox

import (
	"context"
	"errors"
	"slices"
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

// insert adds the row and returns once it is committed or failed, or once ctx ends: then the
// row is either left out, or already in a write whose outcome the caller no longer waits for.
func (b *batch) insert(ctx context.Context, db *ent.Client, create *ent.OutboxMailCreate) error {
	q := &queuedRow{create: create, done: make(chan error, 1), lead: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, q)
	if b.writing {
		b.mu.Unlock()
		select {
		case err := <-q.done:
			return err
		case <-q.lead:
		case <-ctx.Done():
			b.leave(q)
			return context.Cause(ctx)
		}
	} else {
		b.writing = true
		b.mu.Unlock()
	}
	// The write goes on without this request should it give up: the rows are others' too, and
	// each statement of it ends by the database's deadline.
	go b.write(ctx, db)
	select {
	case err := <-q.done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// leave takes q out of the rows waiting for a write; had it been handed the next write, it
// hands it on, so that the rows behind it are still written.
func (b *batch) leave(q *queuedRow) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.Index(b.pending, q)
	if i < 0 {
		return // in a write already
	}
	b.pending = slices.Delete(b.pending, i, i+1)
	select {
	case <-q.lead:
	default:
		return
	}
	if len(b.pending) > 0 {
		close(b.pending[0].lead)
	} else {
		b.writing = false
		b.pending = nil
	}
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
		if err != nil && len(rows) > 1 && !notAnswered(err) {
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

// notAnswered reports whether err says the database did not answer, as the database package
// marks it: then every row would fail alone too, each after its own deadline.
func notAnswered(err error) bool {
	var u interface{ Unavailable() bool }
	return errors.As(err, &u) && u.Unavailable()
}
