package account

import (
	"context"
	"fmt"
	"testing"
)

func limitedService(tb testing.TB, limits RateLimits, clock *fakeClock) *Service {
	tb.Helper()
	return newTestService(tb, func(c *Config) { c.RateLimitEnabled, c.RateLimits, c.Now = true, limits, clock.Now })
}

func fromIP(ip string) context.Context { return WithClientIP(context.Background(), ip) }

// TestRateLimiterBounded: 20 000 clients that each fail once leave at most the cap of buckets,
// and the ones dropped are the least recently used.
func TestRateLimiterBounded(t *testing.T) {
	const clients, limit = 20_000, 5_000
	s := limitedService(t, RateLimits{Login: 1}, newFakeClock())
	s.limiter.max = limit
	for i := range clients {
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		if err := s.allow(fromIP(ip), opLogin); err != nil {
			t.Fatalf("client %d's first request: %v", i, err)
		}
		if i == clients-1 {
			if err := s.allow(fromIP(ip), opLogin); ErrorCode(err) != CodeRateLimited {
				t.Errorf("the most recent client's second request = %v; want RATE_LIMITED: its bucket was dropped", err)
			}
		}
	}
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	if n := len(s.limiter.buckets); n > limit || s.limiter.lru.Len() != n {
		t.Errorf("%d buckets (%d in the LRU list) after %d clients; want at most %d", n, s.limiter.lru.Len(), clients, limit)
	}
	if _, ok := s.limiter.buckets["login|10.0.0.0"]; ok {
		t.Error("the first, least recently used client is still kept")
	}
}

// TestAllowIPv6Site: the /64s of one /48 share four times a /64's allowance.
func TestAllowIPv6Site(t *testing.T) {
	s := limitedService(t, RateLimits{ForgotPassword: 1}, newFakeClock())
	for i := range subnetAllowance {
		if err := s.allow(fromIP(fmt.Sprintf("2001:db8:5:%x::1", i)), opForgotPassword); err != nil {
			t.Fatalf("/64 number %d of the /48: %v", i+1, err)
		}
	}
	if err := s.allow(fromIP("2001:db8:5:ff::1"), opForgotPassword); ErrorCode(err) != CodeRateLimited {
		t.Errorf("a fresh /64 of a spent /48 = %v; want RATE_LIMITED", err)
	}
	if err := s.allow(fromIP("2001:db8:6::1"), opForgotPassword); err != nil {
		t.Errorf("another /48 = %v; want its own allowance", err)
	}
	if err := s.allow(fromIP("203.0.113.1"), opForgotPassword); err != nil {
		t.Errorf("IPv4 = %v; want no /48 bucket in the way", err)
	}
}
