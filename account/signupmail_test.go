package account

import (
	"context"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/pendingsignup"
)

// queueSignUp adds a sign-up for to, made at at.
func queueSignUp(tb testing.TB, db *ent.Client, to, username string, at time.Time) *ent.OutboxMail {
	tb.Helper()
	return db.OutboxMail.Create().SetKind(outboxmail.KindSignUp).SetRecipient(to).SetUsername(username).
		SetPasswordHash("hash-of-" + username).SetRequestedAt(at).SetNextAttemptAt(at).SaveX(context.Background())
}

// TestRecordSignUpLosingRaceIsSkip: of two workers that read an address's pending sign-up
// alike, only the first takes it over; the second, and one that finds the row gone or new, is
// told the decision was taken elsewhere, which the outbox takes as a skip, not a failure.
func TestRecordSignUpLosingRaceIsSkip(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := newTestService(t, at(now), func(c *Config) { c.VerificationTokenTTL = time.Hour })
	first := queueSignUp(t, s.db, "ada@example.com", "ada", now)
	if err := s.deliverSignUpLink(ctx, first); err != nil {
		t.Fatal(err)
	}
	stale := s.db.PendingSignup.Query().Where(pendingsignup.Email("ada@example.com")).OnlyX(ctx)
	a := queueSignUp(t, s.db, "ada@example.com", "ada2", now.Add(time.Hour))
	b := queueSignUp(t, s.db, "ada@example.com", "ada3", now.Add(time.Hour))
	next := signupCounters(stale).after(a.RequestedAt)
	if err := s.recordSignUp(ctx, stale, a, nil, next); err != nil {
		t.Fatalf("first recordSignUp = %v", err)
	}
	t.Run("ErrRowChangedIsSkip", func(t *testing.T) {
		if err := s.recordSignUp(ctx, stale, b, nil, next); !isSkip(err) {
			t.Errorf("recordSignUp over a stale row = %v, want a skip", err)
		}
	})
	t.Run("ErrRowCreatedMeanwhileIsSkip", func(t *testing.T) {
		if err := s.recordSignUp(ctx, nil, b, nil, next); !isSkip(err) {
			t.Errorf("recordSignUp of a new row over an existing one = %v, want a skip", err)
		}
	})
	if p := s.db.PendingSignup.Query().OnlyX(ctx); p.Username != "ada2" || p.RequestID != a.ID {
		t.Errorf("the row is %s's (request %d), want ada2's (%d)", p.Username, p.RequestID, a.ID)
	}
}

// TestHeldBackSignUpDeliveredAgainSendsNothing: a sign-up whose mail the limits held back, handed
// over again (its row outlived a crash), is not taken for the retry of an allowed one.
func TestHeldBackSignUpDeliveredAgainSendsNothing(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := newTestService(t, at(now), func(c *Config) { c.VerificationTokenTTL = time.Hour })
	mailer := s.mailer.(*testMailer)
	for _, m := range []*ent.OutboxMail{
		queueSignUp(t, s.db, "ada@example.com", "ada", now),
		queueSignUp(t, s.db, "ada@example.com", "ada2", now.Add(10*time.Second)),
	} {
		for range 2 {
			if err := s.deliverSignUpLink(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The first was allowed, and its second delivery is a retry; the second was too soon.
	if n := len(mailer.sent); n != 2 {
		t.Errorf("%d links mailed, want 2: the first and its retry", n)
	}
	if p := s.db.PendingSignup.Query().OnlyX(ctx); p.TokenHash != nil || p.Username != "ada2" {
		t.Errorf("pending sign-up = %s with a link %v; want ada2's, without one", p.Username, p.TokenHash != nil)
	}
}
