// Package ratelimit keeps per-client allowances in Redis, so that every replica spends from the
// same ones. It satisfies account.Limiter without importing the rules.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeout bounds every call to Redis: a Redis that does not answer must cost a request little
// before the caller falls back to its own limits.
const Timeout = 100 * time.Millisecond

// DefaultPrefix begins every key this package writes, so that Redis can be shared with others.
const DefaultPrefix = "latchkey:rl:"

// gcra is the generic cell rate algorithm: the key holds the theoretical arrival time (ms) of the
// next request; it allows a burst of limit requests and one more every per/limit, like a token
// bucket, in one atomic step. The key expires once the allowance has refilled.
var gcra = redis.NewScript(`
local now, interval, period = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat + interval - period - now
if wait > 0 then return math.ceil(wait) end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now))
return 0
`)

// Redis is a Limiter whose allowances live in Redis.
type Redis struct {
	client redis.Scripter
	prefix string
}

// New returns a Limiter on client whose keys begin with prefix (DefaultPrefix when empty).
func New(client redis.Scripter, prefix string) *Redis {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Redis{client: client, prefix: prefix}
}

// NewClient connects to url (redis://, rediss:// or unix://) with Timeout on every step and no
// retries, for a limit check that must fail fast.
func NewClient(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: REDIS_URL: %w", err)
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = Timeout, Timeout, Timeout, Timeout
	opt.MaxRetries = -1
	return redis.NewClient(opt), nil
}

// Take spends one of key's limit requests per period, with now as the callers' clock.
func (r *Redis) Take(ctx context.Context, key string, limit int, per time.Duration, now time.Time) (time.Duration, error) {
	if limit <= 0 {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	periodMs := float64(per) / float64(time.Millisecond)
	nowMs := float64(now.UnixMicro()) / 1000
	wait, err := gcra.Run(ctx, r.client, []string{r.prefix + key}, nowMs, periodMs/float64(limit), periodMs).Int64()
	if err != nil {
		return 0, fmt.Errorf("ratelimit: %w", err)
	}
	return time.Duration(min(wait, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond, nil
}
