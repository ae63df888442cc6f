package account

import (
	"context"
	"math"
	"net/netip"
	"sync"
	"time"
)

// RateLimits are per-client-IP allowances, in requests a minute; zero means unlimited.
type RateLimits struct {
	ForgotPassword int
	Login          int
	ResetPassword  int // also checkResetToken
	Register       int
}

// DefaultRateLimits are the limits a server runs with unless configured otherwise.
var DefaultRateLimits = RateLimits{ForgotPassword: 5, Login: 10, ResetPassword: 10, Register: 5}

type operation string

const (
	opForgotPassword operation = "forgotPassword"
	opLogin          operation = "login"
	opResetPassword  operation = "resetPassword"
	opRegister       operation = "register"
)

func (l RateLimits) perMinute(op operation) int {
	switch op {
	case opForgotPassword:
		return l.ForgotPassword
	case opLogin:
		return l.Login
	case opResetPassword:
		return l.ResetPassword
	case opRegister:
		return l.Register
	}
	return 0
}

func rateLimited(wait time.Duration) *Error {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return &Error{Code: CodeRateLimited, Message: "Too many requests, try again later", RetryAfter: secs}
}

// allow spends one request of the client's allowance for op.
func (s *Service) allow(ctx context.Context, op operation) error {
	if !s.cfg.RateLimitEnabled {
		return nil
	}
	limit := s.cfg.RateLimits.perMinute(op)
	if limit <= 0 {
		return nil
	}
	if wait := s.limiter.take(string(op)+"|"+limitKey(clientIP(ctx)), limit, time.Minute); wait > 0 {
		s.cfg.Observer.RateLimited(string(op))
		return rateLimited(wait)
	}
	return nil
}

// limitKey is the client's address, or for IPv6 its /64: a subscriber is usually given a whole
// /64 and would otherwise get a fresh allowance from each of its addresses.
func limitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// rateLimiter is a token bucket per key, kept in this process's memory.
type rateLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(now func() time.Time) *rateLimiter {
	return &rateLimiter{now: now, buckets: make(map[string]*bucket)}
}

// take returns 0 when a request may go ahead, or how long until it could.
func (r *rateLimiter) take(key string, limit int, per time.Duration) time.Duration {
	now := r.now()
	rate := float64(limit) / per.Seconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweep(now, per)
	b, ok := r.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(limit), at: now}
		r.buckets[key] = b
	}
	b.tokens = math.Min(float64(limit), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// sweep drops buckets that have refilled completely, so memory follows active clients only.
func (r *rateLimiter) sweep(now time.Time, per time.Duration) {
	if now.Sub(r.swept) < per {
		return
	}
	r.swept = now
	for k, b := range r.buckets {
		if now.Sub(b.at) >= per {
			delete(r.buckets, k)
		}
	}
}
