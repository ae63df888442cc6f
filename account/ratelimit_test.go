package account

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the limiters.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestRateLimiterTake(t *testing.T) {
	clock := newFakeClock()
	r := newRateLimiter(clock.Now)
	for i := range 5 {
		if wait := r.take("a", 5, time.Minute); wait != 0 {
			t.Fatalf("request %d waits %v, want allowed", i+1, wait)
		}
	}
	t.Run("SixthWaitsForOneToken", func(t *testing.T) {
		if wait := r.take("a", 5, time.Minute); wait != 12*time.Second {
			t.Errorf("wait = %v, want 12s (a token refills every 60s/5)", wait)
		}
	})
	t.Run("OtherKeyHasOwnAllowance", func(t *testing.T) {
		if wait := r.take("b", 5, time.Minute); wait != 0 {
			t.Errorf("wait = %v, want allowed", wait)
		}
	})
	t.Run("RefillsOverTime", func(t *testing.T) {
		clock.Advance(12 * time.Second)
		if wait := r.take("a", 5, time.Minute); wait != 0 {
			t.Errorf("after 12s wait = %v, want allowed", wait)
		}
		if wait := r.take("a", 5, time.Minute); wait == 0 {
			t.Error("a second request after 12s was allowed too")
		}
	})
	t.Run("FullAfterAMinute", func(t *testing.T) {
		clock.Advance(time.Minute)
		for i := range 5 {
			if wait := r.take("a", 5, time.Minute); wait != 0 {
				t.Fatalf("request %d waits %v after a quiet minute", i+1, wait)
			}
		}
	})
	t.Run("SweepForgetsIdleClients", func(t *testing.T) {
		clock.Advance(2 * time.Minute)
		r.take("c", 5, time.Minute)
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.buckets) != 1 {
			t.Errorf("%d buckets kept, want only the active client's", len(r.buckets))
		}
	})
}

func TestLimitKey(t *testing.T) {
	tests := []struct{ name, ip, want string }{
		{"IPv4Whole", "203.0.113.7", "203.0.113.7"},
		{"IPv6Slash64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"IPv6SameSubscriber", "2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"IPv4MappedIsIPv4", "::ffff:203.0.113.7", "::ffff:203.0.113.7"},
		{"NotAnAddress", "unknown", "unknown"},
		{"Empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := limitKey(tt.ip); got != tt.want {
				t.Errorf("limitKey(%q) = %q, want %q", tt.ip, got, tt.want)
			}
		})
	}
}

func TestAllowIPv6Subnet(t *testing.T) {
	s := limitedService(t, RateLimits{ForgotPassword: 1}, newFakeClock())
	ctx := WithClientIP(context.Background(), "2001:db8::1")
	if err := s.allow(ctx, opForgotPassword); err != nil {
		t.Fatalf("first request: %v", err)
	}
	other := WithClientIP(context.Background(), "2001:db8::2")
	if err := s.allow(other, opForgotPassword); ErrorCode(err) != CodeRateLimited {
		t.Errorf("another address of the same /64 got %v, want RATE_LIMITED", err)
	}
	elsewhere := WithClientIP(context.Background(), "2001:db8:0:1::1")
	if err := s.allow(elsewhere, opForgotPassword); err != nil {
		t.Errorf("another /64 got %v, want its own allowance", err)
	}
}

func TestLoginDelay(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {4, 0}, {5, time.Second}, {6, 2 * time.Second}, {7, 4 * time.Second},
		{10, 32 * time.Second}, {11, time.Minute}, {12, time.Minute}, {1 << 20, time.Minute},
	}
	for _, tt := range tests {
		if got := loginDelay(tt.failures, freeLoginFailures); got != tt.want {
			t.Errorf("loginDelay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
}
