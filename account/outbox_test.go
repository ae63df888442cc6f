package account

import (
	"testing"
	"time"
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
	var opts OutboxOptions
	opts.setDefaults()
	var waited, longest time.Duration
	tries := 1
	for ; waited < opts.GiveUpAfter; tries++ {
		d := backoff(tries, opts.MaxBackoff)
		waited += d
		longest = max(longest, d)
	}
	if tries < 15 {
		t.Errorf("only %d tries in %v", tries, opts.GiveUpAfter)
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
