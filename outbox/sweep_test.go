package outbox

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
)

// TestSweep: Settle is handed the undecided rows of its kind that are due and unclaimed, each
// new one once; accepted, held, not yet due and other kinds' rows are left to the senders.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	c := newClock()
	var mu sync.Mutex
	var handed [][]int
	o, err := New(db, Options{Senders: 1, Lease: time.Minute}, Hooks{
		Deliver:    func(context.Context, *ent.OutboxMail) error { return nil },
		SettleKind: outboxmail.KindPasswordReset,
		Settle: func(_ context.Context, rows []*ent.OutboxMail) {
			mu.Lock()
			defer mu.Unlock()
			var ids []int
			for _, m := range rows {
				if m.Recipient == "" || m.RequestedAt.IsZero() {
					t.Errorf("row %d handed without its recipient or request time", m.ID)
				}
				ids = append(ids, m.ID)
			}
			handed = append(handed, ids)
		},
		Now: c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	undecided := queue(t, db, outboxmail.KindPasswordReset, "a@example.com", c.Now())
	accepted := queue(t, db, outboxmail.KindPasswordReset, "b@example.com", c.Now())
	db.OutboxMail.UpdateOneID(accepted).SetAccepted(true).ExecX(ctx)
	held := queue(t, db, outboxmail.KindPasswordReset, "c@example.com", c.Now())
	db.OutboxMail.UpdateOneID(held).SetLockedUntil(c.Now().Add(time.Minute)).ExecX(ctx)
	queue(t, db, outboxmail.KindPasswordReset, "d@example.com", c.Now().Add(time.Minute)) // not due
	queue(t, db, outboxmail.KindPasswordChanged, "e@example.com", c.Now())

	var sw sweeper
	sw.sweep(ctx, o)
	later := queue(t, db, outboxmail.KindPasswordReset, "f@example.com", c.Now())
	sw.sweep(ctx, o)
	mu.Lock()
	defer mu.Unlock()
	// The first sweep also looks at older rows again: the same row, a second time.
	want := [][]int{{undecided}, {undecided}, {later}}
	if !slices.EqualFunc(handed, want, slices.Equal) {
		t.Errorf("Settle was handed %v, want %v", handed, want)
	}
}

// TestSendersLeaveUnsweptRowsToTheSweep: an undecided row of Settle's kind is claimed by a
// sender only once the sweep has looked at it; until then the sweep settles it with the rest,
// in one batch. Accepted rows and other kinds are claimed as soon as they are due, and at the
// drain, with no sweep to come, every due row is.
func TestSendersLeaveUnsweptRowsToTheSweep(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	c := newClock()
	o, err := New(db, Options{Senders: 1, Lease: time.Minute}, Hooks{
		Deliver:    func(context.Context, *ent.OutboxMail) error { return nil },
		SettleKind: outboxmail.KindPasswordReset,
		Settle:     func(context.Context, []*ent.OutboxMail) {},
		Now:        c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	swept := queue(t, db, outboxmail.KindPasswordReset, "a@example.com", c.Now())
	unswept := queue(t, db, outboxmail.KindPasswordReset, "b@example.com", c.Now())
	accepted := queue(t, db, outboxmail.KindPasswordReset, "c@example.com", c.Now())
	db.OutboxMail.UpdateOneID(accepted).SetAccepted(true).ExecX(ctx)
	notice := queue(t, db, outboxmail.KindPasswordChanged, "d@example.com", c.Now())

	claimed := func(got []claimedMail) []int {
		var ids []int
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		slices.Sort(ids)
		return ids
	}
	if got, want := claimed(o.claim(ctx, 10, nil, swept)), []int{swept, accepted, notice}; !slices.Equal(got, want) {
		t.Errorf("while sweeping: claimed %v, want %v (not the unswept %d)", got, want, unswept)
	}
	if got := claimed(o.claim(ctx, 10, nil, math.MaxInt)); !slices.Equal(got, []int{unswept}) {
		t.Errorf("at the drain: claimed %v, want the row no sweep will settle, %d", got, unswept)
	}
}
