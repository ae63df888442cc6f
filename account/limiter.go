package account

import (
	"container/list"
	"context"
	"math"
	"net/netip"
	"sync"
	"time"
)

// RateLimits are per-client-IP allowances, in requests a minute; zero means unlimited.
type RateLimits struct {
	ForgotPassword  int
	Login           int
	ResetPassword   int
	CheckResetToken int
	Register        int
}

type operation string

const (
	opForgotPassword  operation = "forgotPassword"
	opLogin           operation = "login"
	opResetPassword   operation = "resetPassword"
	opCheckResetToken operation = "checkResetToken"
	opRegister        operation = "register"
	// Its own allowance, of RateLimits.ResetPassword's size: spending a mailed token.
	opConfirmEmailChange operation = "confirmEmailChange"
)

func (l RateLimits) perMinute(op operation) int {
	switch op {
	case opForgotPassword:
		return l.ForgotPassword
	case opLogin:
		return l.Login
	case opResetPassword, opConfirmEmailChange:
		return l.ResetPassword
	case opCheckResetToken:
		return l.CheckResetToken
	case opRegister:
		return l.Register
	}
	return 0
}

// subnetAllowance is how many /64 allowances a whole IPv6 /48 gets: a site is often given a /48,
// and would otherwise get 65 536 allowances.
const subnetAllowance = 4

// maxLimitKeys bounds the buckets kept in memory; past it the least recently used go first.
const maxLimitKeys = 100_000

// sharedRetryAfter is how long a shared limiter that failed is left alone before it is tried again.
const sharedRetryAfter = time.Second

// Limiter keeps per-client allowances that every replica spends from; the ratelimit package
// satisfies it with Redis.
type Limiter interface {
	// Take spends one request of key's allowance of limit per period and returns 0, or how long
	// until the request could go ahead; an error means the store did not answer.
	Take(ctx context.Context, key string, limit int, per time.Duration, now time.Time) (time.Duration, error)
}

func rateLimited(wait time.Duration) *Error {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return &Error{Code: CodeRateLimited, Message: "Too many requests, try again later", RetryAfter: secs}
}

// allow spends one request of the client's allowance for op, and for IPv6 of its /48's too.
func (s *Service) allow(ctx context.Context, op operation) error {
	if !s.cfg.RateLimitEnabled {
		return nil
	}
	limit := s.cfg.RateLimits.perMinute(op)
	if limit <= 0 {
		return nil
	}
	ip := clientIP(ctx)
	keys := []string{limitKey(ip)}
	limits := []int{limit}
	if site, ok := ipv6Prefix(ip, 48); ok {
		keys, limits = append(keys, site), append(limits, limit*subnetAllowance)
	}
	for i, key := range keys {
		if wait := s.spend(ctx, string(op)+"|"+key, limits[i]); wait > 0 {
			s.cfg.Observer.RateLimited(string(op))
			return rateLimited(wait)
		}
	}
	return nil
}

// spend takes from the shared limiter, or from this process's while there is none or it fails.
func (s *Service) spend(ctx context.Context, key string, limit int) time.Duration {
	now := s.limiter.now()
	if shared := s.cfg.Limiter; shared != nil && !s.sharedDown.skip(now) {
		wait, err := shared.Take(ctx, key, limit, time.Minute, now)
		if err == nil {
			if s.sharedDown.recovered() {
				s.log.InfoContext(ctx, "shared rate limits answer again")
			}
			return wait
		}
		if ctx.Err() == nil && s.sharedDown.failed(now) {
			s.log.WarnContext(ctx, "shared rate limits do not answer; limiting per replica until they do", "error", err)
		}
	}
	return s.limiter.take(key, limit, time.Minute)
}

// outage remembers that the shared limiter failed, so that it is warned of once and retried
// only now and then rather than costing every request a timeout.
type outage struct {
	mu      sync.Mutex
	down    bool
	retryAt time.Time
}

func (o *outage) skip(now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down && now.Before(o.retryAt)
}

// failed reports whether this failure begins an outage.
func (o *outage) failed(now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	began := !o.down
	o.down, o.retryAt = true, now.Add(sharedRetryAfter)
	return began
}

// recovered reports whether an outage just ended.
func (o *outage) recovered() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	was := o.down
	o.down = false
	return was
}

// limitKey is the client's address, or for IPv6 its /64: a subscriber is usually given a whole
// /64 and would otherwise get a fresh allowance from each of its addresses.
func limitKey(ip string) string {
	if p, ok := ipv6Prefix(ip, 64); ok {
		return p
	}
	return ip
}

// ipv6Prefix returns the /bits network of an IPv6 address; IPv4 and IPv4-mapped addresses have none.
func ipv6Prefix(ip string, bits int) (string, bool) {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return "", false
	}
	p, err := a.WithZone("").Prefix(bits)
	if err != nil {
		return "", false
	}
	return p.String(), true
}

// rateLimiter is a token bucket per key, kept in this process's memory: at most max of them,
// the least recently used dropped first, so a flood of addresses cannot grow it without bound.
type rateLimiter struct {
	now     func() time.Time
	max     int
	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket, in lru
	lru     list.List                // most recently used first
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time
}

func newRateLimiter(now func() time.Time) *rateLimiter {
	return &rateLimiter{now: now, max: maxLimitKeys, buckets: make(map[string]*list.Element)}
}

// take returns 0 when a request may go ahead, or how long until it could.
func (r *rateLimiter) take(key string, limit int, per time.Duration) time.Duration {
	now := r.now()
	rate := float64(limit) / per.Seconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweep(now, per)
	var b *bucket
	if e, ok := r.buckets[key]; ok {
		b = e.Value.(*bucket)
		r.lru.MoveToFront(e)
	} else {
		for r.lru.Len() >= max(r.max, 1) {
			r.drop(r.lru.Back())
		}
		b = &bucket{key: key, tokens: float64(limit), at: now}
		r.buckets[key] = r.lru.PushFront(b)
	}
	b.tokens = math.Min(float64(limit), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// sweep drops buckets that have refilled completely, so memory follows active clients only;
// the least recently used are at the back.
func (r *rateLimiter) sweep(now time.Time, per time.Duration) {
	for e := r.lru.Back(); e != nil && now.Sub(e.Value.(*bucket).at) >= per; e = r.lru.Back() {
		r.drop(e)
	}
}

func (r *rateLimiter) drop(e *list.Element) {
	delete(r.buckets, e.Value.(*bucket).key)
	r.lru.Remove(e)
}
