package account

import (
	"sync"
	"time"
)

// verifiedTokens remembers access tokens that passed every check, so that a client sending the
// same token again skips the signature and JSON work. An entry is the exact token string, so a
// changed token never matches one; expiry is checked on every use, and revocation is checked on
// every request (signedIn: the session row and the user's session version).
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[string]verifiedToken
}

type verifiedToken struct {
	userID, sessionVersion int
	sessionID              string
	expires                time.Time
}

// maxVerifiedTokens bounds the memory: about 3 MB when full.
const maxVerifiedTokens = 10_000

func (v *verifiedTokens) get(token string, now time.Time) (verifiedToken, bool) {
	v.mu.RLock()
	t, ok := v.m[token]
	v.mu.RUnlock()
	if !ok || !now.Before(t.expires) {
		return verifiedToken{}, false
	}
	return t, true
}

func (v *verifiedTokens) put(token string, t verifiedToken) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerifiedTokens {
		// Starting afresh is simpler than LRU bookkeeping, and costs one verification per client.
		v.m = make(map[string]verifiedToken)
	}
	v.m[token] = t
}
