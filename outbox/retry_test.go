package outbox

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
)

func TestBackoff(t *testing.T) {
	const limit = 5 * time.Minute
	tests := []struct {
		name     string
		attempts int
		want     time.Duration // the wait before jitter; the drawn wait is in [want/2, want]
	}{
		{"FirstRetryOneSecond", 1, time.Second},
		{"Doubles", 2, 2 * time.Second},
		{"DoublesAgain", 3, 4 * time.Second},
		{"Ninth", 9, 256 * time.Second},
		{"CappedAtFiveMinutes", 10, limit},
		{"StaysCapped", 31, limit},
		{"NoOverflow", 1000, limit},
		{"ZeroIsFirst", 0, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := backoff(tt.attempts, limit)
				if d < tt.want/2 || d > tt.want {
					t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tt.attempts, d, tt.want/2, tt.want)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Errorf("backoff(%d) drew the same wait 200 times: no jitter", tt.attempts)
			}
		})
	}
}

// TestBackoffRetriesForAnHour: with the default limits a failing mail is tried again and again
// within the hour it is kept, and never waits more than five minutes between two tries.
func TestBackoffRetriesForAnHour(t *testing.T) {
	var waited, longest time.Duration
	tries := 1
	for ; waited < defaultGiveUpAfter; tries++ {
		d := backoff(tries, defaultMaxBackoff)
		waited += d
		longest = max(longest, d)
	}
	if tries < 15 {
		t.Errorf("only %d tries in %v", tries, defaultGiveUpAfter)
	}
	if longest > 5*time.Minute {
		t.Errorf("longest wait %v, want at most 5 minutes", longest)
	}
}

func TestLeaseEndRoundsToMicroseconds(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)
	if got, want := leaseEnd(now, time.Second), time.Date(2030, 1, 2, 3, 4, 6, 123456000, time.UTC); !got.Equal(want) {
		t.Errorf("leaseEnd = %v, want %v", got, want)
	}
}

// TestRetryWithBackoff: a failed try is recorded on the row, which waits about a second before
// the next; that one delivers and the row leaves.
func TestRetryWithBackoff(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	c := newClock()
	tries := 0
	r := recorder{fail: func(*ent.OutboxMail) error {
		if tries++; tries == 1 {
			return errors.New("451 try again later")
		}
		return nil
	}}
	id := queue(t, db, outboxmail.KindPasswordChanged, "ada@example.com", c.Now())
	o, logs := newOutbox(t, db, Options{}, &r, c)

	flush(o)
	m := db.OutboxMail.GetX(ctx, id)
	t.Run("FailureRecorded", func(t *testing.T) {
		if m.Attempts != 1 || m.LastError != "451 try again later" || m.LockedUntil != nil {
			t.Errorf("after one failure: attempts %d, last error %q, lease %v", m.Attempts, m.LastError, m.LockedUntil)
		}
		if wait := m.NextAttemptAt.Sub(c.Now()); wait < 500*time.Millisecond || wait > time.Second {
			t.Errorf("next try in %v, want 0.5 to 1 s", wait)
		}
		if !strings.Contains(logs.String(), "send failed, will retry") {
			t.Errorf("no warning about the failure:\n%s", logs)
		}
	})
	flush(o)
	t.Run("NotTriedBeforeItsTime", func(t *testing.T) {
		if n := r.times(id); n != 1 {
			t.Errorf("tried %d times before the backoff ran out", n)
		}
	})
	c.Advance(time.Second)
	flush(o)
	t.Run("NextTryDelivers", func(t *testing.T) {
		if n := rows(t, db); n != 0 || r.times(id) != 2 {
			t.Errorf("%d rows left after %d tries, want 0 after 2", n, r.times(id))
		}
		if got, want := r.seen(), []string{"failed", "retried", "sent final"}; !slices.Equal(got, want) {
			t.Errorf("observed %v, want %v", got, want)
		}
	})
}

// permanentError is a mail server's refusal for good.
type permanentError struct{}

func (permanentError) Error() string   { return "550 no such mailbox" }
func (permanentError) Permanent() bool { return true }

// TestGiveUp: a mail the mail server refuses for good is dropped after one try; one that keeps
// failing is dropped once it is GiveUpAfter old. Either is logged as an error.
func TestGiveUp(t *testing.T) {
	tests := []struct {
		name  string
		age   time.Duration
		err   error
		event string
		why   string
	}{
		{"RefusedForGood", 0, permanentError{}, "refused final", "refused for good"},
		{"TooOld", time.Hour, errors.New("451 try again later"), "given_up final", "retried for 1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openDB(t)
			c := newClock()
			r := recorder{fail: func(*ent.OutboxMail) error { return tt.err }}
			queue(t, db, outboxmail.KindPasswordChanged, "ada@example.com", c.Now().Add(-tt.age))
			o, logs := newOutbox(t, db, Options{}, &r, c)
			flush(o)
			if n := rows(t, db); n != 0 {
				t.Errorf("%d rows left, want the mail dropped", n)
			}
			if got, want := r.seen(), []string{"failed", tt.event}; !slices.Equal(got, want) {
				t.Errorf("observed %v, want %v", got, want)
			}
			if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "giving up on mail") || !strings.Contains(l, tt.why) {
				t.Errorf("no error log line about the dropped mail:\n%s", l)
			}
		})
	}
}

// skipError is Deliver's word that another worker decided the mail first.
type skipError struct{}

func (skipError) Error() string { return "decided elsewhere" }
func (skipError) Skipped() bool { return true }

// TestSkipIsNotAFailure: a mail whose fate another worker decided is released as it was: no
// failure logged or observed, no attempt counted, no backoff; the next look takes it again.
func TestSkipIsNotAFailure(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	c := newClock()
	tries := 0
	r := recorder{fail: func(*ent.OutboxMail) error {
		if tries++; tries == 1 {
			return skipError{}
		}
		return nil
	}}
	id := queue(t, db, outboxmail.KindPasswordReset, "ada@example.com", c.Now())
	o, logs := newOutbox(t, db, Options{}, &r, c)

	flush(o)
	t.Run("ReleasedUntouched", func(t *testing.T) {
		m := db.OutboxMail.GetX(ctx, id)
		if m.Attempts != 0 || m.LastError != "" || m.LockedUntil != nil || !m.NextAttemptAt.Equal(c.Now()) {
			t.Errorf("after a skip: attempts %d, last error %q, lease %v, due %v; want the row as queued",
				m.Attempts, m.LastError, m.LockedUntil, m.NextAttemptAt)
		}
		if got := r.seen(); len(got) != 0 {
			t.Errorf("observed %v, want nothing", got)
		}
		if l := logs.String(); strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			t.Errorf("a skip logged as a problem:\n%s", l)
		}
	})
	flush(o)
	t.Run("TakenAgain", func(t *testing.T) {
		if n := rows(t, db); n != 0 || r.times(id) != 2 {
			t.Errorf("%d rows left after %d tries, want 0 after 2", n, r.times(id))
		}
	})
}
