package account

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/user"
	"latchkey/outbox"
)

// queueReset adds a reset request for to, made at at.
func queueReset(tb testing.TB, db *ent.Client, to string, at time.Time) int {
	tb.Helper()
	return db.OutboxMail.Create().SetKind(outboxmail.KindPasswordReset).SetRecipient(to).
		SetRequestedAt(at).SetNextAttemptAt(at).SaveX(context.Background()).ID
}

// hold marks the row id as a sender's claim does, until a minute after now.
func hold(tb testing.TB, db *ent.Client, id int, now time.Time) {
	tb.Helper()
	db.OutboxMail.UpdateOneID(id).SetLockedUntil(now.Add(time.Minute)).ExecX(context.Background())
}

func addUser(tb testing.TB, db *ent.Client, name string) *ent.User {
	tb.Helper()
	return db.User.Create().SetUsername(name).SetEmail(name + "@example.com").SetPasswordHash("x").SaveX(context.Background())
}

func isSkip(err error) bool {
	var s interface{ Skipped() bool }
	return errors.As(err, &s) && s.Skipped()
}

func TestMayMailReset(t *testing.T) {
	last := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	account := func(sent int) *ent.User {
		return &ent.User{LastResetMailAt: &last, ResetMailWindowStart: &last, ResetMailsInWindow: sent}
	}
	tests := []struct {
		name     string
		interval time.Duration
		u        *ent.User
		m        ent.OutboxMail
		want     bool
	}{
		{"NoAccountNever", time.Minute, nil, ent.OutboxMail{RequestedAt: last.Add(time.Hour)}, false},
		{"FirstMail", time.Minute, &ent.User{}, ent.OutboxMail{RequestedAt: last}, true},
		{"WithinInterval", time.Minute, account(1), ent.OutboxMail{RequestedAt: last.Add(59 * time.Second)}, false},
		{"AtInterval", time.Minute, account(1), ent.OutboxMail{RequestedAt: last.Add(time.Minute)}, true},
		{"OlderThanLastMailIsTooSoon", time.Minute, account(1), ent.OutboxMail{RequestedAt: last.Add(-time.Second)}, false},
		{"NoIntervalOlderRequestStillSends", 0, account(1), ent.OutboxMail{RequestedAt: last.Add(-time.Second)}, true},
		{"HourlyLimitReached", 0, account(3), ent.OutboxMail{RequestedAt: last.Add(59 * time.Minute)}, false},
		{"NextHourAgain", 0, account(3), ent.OutboxMail{RequestedAt: last.Add(time.Hour)}, true},
		{"AcceptedAlreadyCounted", time.Minute, account(3), ent.OutboxMail{RequestedAt: last, Accepted: true}, true},
	}
	s := newTestService(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.cfg.ResetMailMinInterval = tt.interval
			// Every refusal but "no account" says why, for the log.
			wantWhy := !tt.want && tt.u != nil
			if got, why := s.mayMailReset(tt.u, &tt.m); got != tt.want || (why != "") != wantWhy {
				t.Errorf("mayMailReset = %v, %q; want %v, a reason %v", got, why, tt.want, wantWhy)
			}
		})
	}
}

// TestAcceptReset: of two workers that read the account alike, only the first spends its
// allowance; the second, and a sweep that finds the request held by a sender, are told the
// decision was taken elsewhere, which is a skip, not a failure.
func TestAcceptReset(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := newTestService(t, at(now))
	u := addUser(t, s.db, "ada")
	queueReset(t, s.db, "ada@example.com", now)
	second := queueReset(t, s.db, "ada@example.com", now)
	stale := s.db.User.GetX(ctx, u.ID)
	rows := s.db.OutboxMail.Query().Order(outboxmail.ByID()).AllX(ctx)

	if err := s.acceptReset(ctx, u, rows[0]); err != nil || !rows[0].Accepted {
		t.Fatalf("first acceptReset = %v, accepted %v", err, rows[0].Accepted)
	}
	t.Run("ErrAccountChangedIsSkip", func(t *testing.T) {
		if err := s.acceptReset(ctx, stale, rows[1]); !isSkip(err) {
			t.Errorf("acceptReset with a stale account = %v, want a skip", err)
		}
	})
	t.Run("ErrRequestHeldIsSkip", func(t *testing.T) {
		hold(t, s.db, second, now)
		if err := s.acceptReset(ctx, s.db.User.GetX(ctx, u.ID), rows[1], s.cfg.Outbox.Unclaimed()); !isSkip(err) {
			t.Errorf("a sweep's acceptReset of a held request = %v, want a skip", err)
		}
	})
	if n := s.db.User.GetX(ctx, u.ID).ResetMailsInWindow; n != 1 || s.db.OutboxMail.GetX(ctx, second).Accepted {
		t.Errorf("the account counted %d mails and the second request was accepted %v; want 1 and false",
			n, s.db.OutboxMail.GetX(ctx, second).Accepted)
	}
}

// TestDeliverResetLosingRaceIsSkip: when the account changes between the sender's read and its
// write, as when another worker spends the allowance, the request is looked at again at once,
// with no attempt counted and no backoff: one flush still mails it, counted processed once.
func TestDeliverResetLosingRaceIsSkip(t *testing.T) {
	ctx := context.Background()
	obs := &countingObserver{}
	s := newTestService(t, func(c *Config) { c.Observer = obs })
	u := addUser(t, s.db, "ada")
	queueReset(t, s.db, "ada@example.com", time.Now().UTC())
	raced := false
	s.db.User.Use(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if um, ok := m.(*ent.UserMutation); ok && !raced {
				if _, counting := um.ResetMailsInWindow(); counting {
					raced = true // the account changes under the sender's conditional write
					um.Client().User.UpdateOneID(u.ID).AddResetMailsInWindow(1).ExecX(ctx)
				}
			}
			return next.Mutate(ctx, m)
		})
	})
	var attempts []int
	s.db.OutboxMail.Use(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if om, ok := m.(*ent.OutboxMailMutation); ok {
				if n, set := om.Attempts(); set {
					attempts = append(attempts, n)
				}
			}
			return next.Mutate(ctx, m)
		})
	})

	s.cfg.Outbox.(*outbox.Outbox).Run(doneContext())
	if sent := s.mailer.(*testMailer).sent; !raced || !slices.Equal(sent, []string{"ada@example.com"}) || len(attempts) != 0 {
		t.Errorf("raced %v, mailed %v, attempts recorded %v; want ada mailed in the same flush and no attempt", raced, sent, attempts)
	}
	if n := s.db.OutboxMail.Query().CountX(ctx); n != 0 {
		t.Errorf("%d rows left, want none", n)
	}
	if n := obs.count("password_reset processed"); n != 1 {
		t.Errorf("processed counted %d times, want once", n)
	}
}

// doneContext is a context that has ended: the outbox's Run then only drains what is due.
func doneContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestSettleResets: one sweep deletes the requests that will send nothing (unknown address, too
// soon, over the hourly limit), accepts each account's earliest allowed request at once and
// refuses that account's later ones with it; rows a sender holds are left alone.
func TestSettleResets(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := newTestService(t, at(now))
	db := s.db
	mailedJustNow := now.Add(-10 * time.Second)
	windowStart := now.Add(-30 * time.Minute)
	db.User.Create().SetUsername("recent").SetEmail("recent@example.com").SetPasswordHash("x").SetLastResetMailAt(mailedJustNow).ExecX(ctx)
	db.User.Create().SetUsername("spent").SetEmail("spent@example.com").SetPasswordHash("x").
		SetLastResetMailAt(windowStart).SetResetMailWindowStart(windowStart).SetResetMailsInWindow(3).ExecX(ctx)
	fresh := addUser(t, db, "fresh")
	addUser(t, db, "busy")

	unknown := queueReset(t, db, "nobody@example.com", now)
	tooSoon := queueReset(t, db, "recent@example.com", now)
	overLimit := queueReset(t, db, "spent@example.com", now)
	freshLater := queueReset(t, db, "fresh@example.com", now.Add(-time.Second))
	freshFirst := queueReset(t, db, "fresh@example.com", now.Add(-2*time.Second)) // queued last, made first
	held := queueReset(t, db, "nobody@example.com", now)
	hold(t, db, held, now)
	heldBusy := queueReset(t, db, "busy@example.com", now)
	hold(t, db, heldBusy, now)

	// Held rows too, though the outbox hands none: the writes themselves leave them alone.
	s.SettleResets(ctx, db.OutboxMail.Query().AllX(ctx))
	left := db.OutboxMail.Query().IDsX(ctx)
	slices.Sort(left)
	if want := []int{freshFirst, held, heldBusy}; !slices.Equal(left, want) {
		t.Errorf("rows left %v, want %v (deleted unknown %d, too soon %d, over the limit %d, fresh's later %d)",
			left, want, unknown, tooSoon, overLimit, freshLater)
	}
	if m := db.OutboxMail.GetX(ctx, freshFirst); !m.Accepted || m.LockedUntil != nil {
		t.Errorf("fresh's first request: accepted %v, locked %v; want accepted and left for a sender", m.Accepted, m.LockedUntil)
	}
	if db.OutboxMail.GetX(ctx, heldBusy).Accepted {
		t.Error("a sweep accepted a request a sender holds")
	}
	u := db.User.GetX(ctx, fresh.ID)
	if u.LastResetMailAt == nil || !u.LastResetMailAt.Equal(now.Add(-2*time.Second)) || u.ResetMailsInWindow != 1 {
		t.Errorf("fresh's account: last mail %v, %d in the window; want the first request's time and 1", u.LastResetMailAt, u.ResetMailsInWindow)
	}
}

// blockingMailer holds every send until release is closed.
type blockingMailer struct {
	testMailer
	release chan struct{}
}

func (m *blockingMailer) SendPasswordReset(ctx context.Context, lang, to, username, link string, validFor time.Duration) error {
	<-m.release
	return m.testMailer.SendPasswordReset(ctx, lang, to, username, link, validFor)
}

// TestSweepBoundsSlowQueue: while every sender is busy, the queue of one account's requests is
// settled by sweeps alone, down to the one accepted request, however many arrive.
func TestSweepBoundsSlowQueue(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := newTestService(t, at(now))
	mailer := &blockingMailer{release: make(chan struct{})}
	s.mailer = mailer
	u := addUser(t, s.db, "ada")
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.cfg.Outbox.(*outbox.Outbox).Run(runCtx); close(done) }()
	defer func() { stop(); close(mailer.release); <-done }()

	for range 3 {
		for range 300 {
			queueReset(t, s.db, "ada@example.com", now)
		}
		s.cfg.Outbox.Wake()
		waitFor(t, func() bool { return s.db.OutboxMail.Query().CountX(ctx) == 1 })
	}
	if m := s.db.OutboxMail.Query().OnlyX(ctx); !m.Accepted {
		t.Error("the request left is not the accepted one")
	}
	if n := s.db.User.Query().Where(user.ID(u.ID)).OnlyX(ctx).ResetMailsInWindow; n != 1 {
		t.Errorf("the account counted %d mails, want 1", n)
	}
}
