package account

import (
	"sync"
	"time"
)

// Login attempts are counted per email address, known or not, so the throttle reveals nothing
// about accounts: per address and client, after a few failures, so one guesser slows only
// itself; and per address alone, after many, so guessing from many clients slows down too,
// while a stranger on one client cannot keep the owner waiting.
const (
	freeLoginFailures        = 5
	freeAccountLoginFailures = 20
	maxLoginDelay            = time.Minute
	loginFailureTTL          = 15 * time.Minute
	maxThrottled             = 100_000 // addresses kept before stale ones are pruned
)

type loginThrottle struct {
	free     int // failures before any delay
	now      func() time.Time
	mu       sync.Mutex
	attempts map[string]*attempts
}

// attempts counts the logins to one address since its last success.
type attempts struct {
	count int
	last  time.Time
}

func newLoginThrottle(free int, now func() time.Time) *loginThrottle {
	return &loginThrottle{free: free, now: now, attempts: make(map[string]*attempts)}
}

// loginDelay grows 1 s, 2 s, 4 s … after free failures, capped so that a stranger cannot lock
// the owner out for long.
func loginDelay(count, free int) time.Duration {
	if count < free {
		return 0
	}
	n := count - free
	if n > 6 {
		return maxLoginDelay
	}
	return min(time.Second<<n, maxLoginDelay)
}

// wait returns how long the address must wait before its next login attempt. When it returns 0
// the attempt is counted already, as a failure until succeeded says otherwise, so that guesses
// sent all at once cannot slip in before the first of them has failed.
func (t *loginThrottle) wait(email string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.current(email, now)
	if d := a.last.Add(loginDelay(a.count, t.free)).Sub(now); d > 0 {
		return d
	}
	a.count++
	a.last = now
	return 0
}

// peek returns how long the address must wait, without counting an attempt.
func (t *loginThrottle) peek(key string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.attempts[key]
	if !ok || now.Sub(a.last) >= loginFailureTTL {
		return 0
	}
	return max(a.last.Add(loginDelay(a.count, t.free)).Sub(now), 0)
}

// failed restarts the delay from the end of a failed attempt, which hashing makes later than its start.
func (t *loginThrottle) failed(email string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.current(email, now)
	if a.count == 0 { // a success in the meantime forgot the attempt
		a.count = 1
	}
	a.last = now
}

func (t *loginThrottle) succeeded(email string) {
	t.mu.Lock()
	delete(t.attempts, email)
	t.mu.Unlock()
}

// current returns the address's record, fresh when it has none or the last attempt is long past.
func (t *loginThrottle) current(email string, now time.Time) *attempts {
	a, ok := t.attempts[email]
	if ok && now.Sub(a.last) < loginFailureTTL {
		return a
	}
	if !ok && len(t.attempts) >= maxThrottled {
		for k, a := range t.attempts {
			if now.Sub(a.last) >= loginFailureTTL {
				delete(t.attempts, k)
			}
		}
	}
	a = &attempts{}
	t.attempts[email] = a
	return a
}
