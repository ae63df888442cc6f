package account

import (
	"context"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"latchkey/ent"
)

// InvalidationChannel is where PostgreSQL tells every replica of a changed or deleted user
// ("u:ID") or session ("s:ID"): the triggers of the add_sessions migration notify it on commit.
const InvalidationChannel = "latchkey_invalidate"

// Replicas says whether the writes of other replicas reach this one's cache now: on PostgreSQL
// the pgnotify watcher satisfies it. Nil means there are no others (SQLite: one process).
type Replicas interface {
	Trusted() bool
}

// authCache keeps what the per-request check reads, the user and the session, so that a
// signed-in request costs no database round trip. Every write that matters removes its entry
// (the hooks in cachehooks.go on this replica, Invalidate for the others). A fill carries the
// generation of its stripe from before its read, and is dropped if an invalidation came
// in between, so a read that raced a write never puts the old row back. Entries live at most
// ttl (DefaultCacheTTL), which bounds what a missed notification or another process on the same SQLite file
// (an operator command) can leave stale.
type authCache struct {
	mu       sync.RWMutex
	users    map[int]cachedUser
	sessions map[string]*cachedSession
	gens     [cacheStripes]atomic.Uint64
	seed     maphash.Seed
	ttl      time.Duration
}

type cachedUser struct {
	*ent.User
	filled time.Time
}

type cachedSession struct {
	filled    time.Time
	userID    int
	expiresAt time.Time
	revoked   bool
	lastUsed  atomic.Int64 // unix seconds; moves on with the background touches
}

// DefaultCacheTTL is how long a cached user or session is used without reading it again.
const DefaultCacheTTL = time.Second

const (
	cacheStripes     = 64
	maxCachedEntries = 100_000 // per map; about 40 MB of users when full
)

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{users: map[int]cachedUser{}, sessions: map[string]*cachedSession{}, seed: maphash.MakeSeed(), ttl: ttl}
}

func (c *authCache) userStripe(id int) int { return id % cacheStripes }

func (c *authCache) sessionStripe(id string) int {
	return int(maphash.String(c.seed, id) % cacheStripes)
}

// get returns the entries if both are there and fresh.
func (c *authCache) get(userID int, sessionID string) (*ent.User, *cachedSession) {
	c.mu.RLock()
	u, sess := c.users[userID], c.sessions[sessionID]
	c.mu.RUnlock()
	if u.User == nil || sess == nil || time.Since(u.filled) >= c.ttl || time.Since(sess.filled) >= c.ttl {
		return nil, nil
	}
	return u.User, sess
}

// generations returns what fill must be given for the two entries.
func (c *authCache) generations(userID int, sessionID string) (uint64, uint64) {
	return c.gens[c.userStripe(userID)].Load(), c.gens[c.sessionStripe(sessionID)].Load()
}

func (c *authCache) fill(u *ent.User, ug uint64, sessionID string, sess *cachedSession, sg uint64, filled time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u != nil && c.gens[c.userStripe(u.ID)].Load() == ug {
		if len(c.users) >= maxCachedEntries {
			clear(c.users)
		}
		c.users[u.ID] = cachedUser{u, filled}
	}
	if sess != nil && c.gens[c.sessionStripe(sessionID)].Load() == sg {
		if len(c.sessions) >= maxCachedEntries {
			clear(c.sessions)
		}
		sess.filled = filled
		c.sessions[sessionID] = sess
	}
}

// invalidate removes the entries that keys ("u:ID", "s:ID") name; an unknown key removes all.
func (c *authCache) invalidate(keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, key := range keys {
		kind, id, _ := strings.Cut(key, ":")
		switch n, err := strconv.Atoi(id); {
		case kind == "u" && err == nil:
			c.gens[c.userStripe(n)].Add(1)
			delete(c.users, n)
		case kind == "s":
			c.gens[c.sessionStripe(id)].Add(1)
			delete(c.sessions, id)
		default:
			c.flushLocked()
		}
	}
}

func (c *authCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushLocked()
}

func (c *authCache) flushLocked() {
	for i := range c.gens {
		c.gens[i].Add(1)
	}
	clear(c.users)
	clear(c.sessions)
}

// Invalidate forgets what a notification on InvalidationChannel names.
func (s *Service) Invalidate(payload string) { s.cache.invalidate(payload) }

// ForgetCached forgets everything cached: for when notifications may have been missed.
func (s *Service) ForgetCached() { s.cache.flush() }

func (s *Service) cacheTrusted() bool { return s.cfg.Replicas == nil || s.cfg.Replicas.Trusted() }

// signedIn checks the request's access token and that its session and user are alive, from the
// cache when it may be trusted.
func (s *Service) signedIn(ctx context.Context) (verifiedToken, *ent.User, error) {
	t, err := s.verifyAccessToken(accessToken(ctx))
	if err != nil {
		return t, nil, err
	}
	u, sess, err := s.userAndSession(ctx, t)
	if err != nil {
		return t, nil, err
	}
	now := s.now()
	if u == nil || u.Disabled || sess == nil || sess.userID != u.ID || u.SessionVersion != t.sessionVersion ||
		sess.revoked || !now.Before(sess.expiresAt) {
		return t, nil, errUnauthenticated
	}
	s.touch(t.sessionID, sess, now)
	copied := *u // callers may change their copy
	return t, &copied, nil
}

func (s *Service) userAndSession(ctx context.Context, t verifiedToken) (*ent.User, *cachedSession, error) {
	trusted := s.cacheTrusted()
	if trusted {
		if u, sess := s.cache.get(t.userID, t.sessionID); u != nil && sess != nil {
			return u, sess, nil
		}
	}
	ug, sg := s.cache.generations(t.userID, t.sessionID)
	reading := time.Now() // entries age from before the read
	u, err := s.userByID(ctx, t.userID)
	if err != nil {
		return nil, nil, err
	}
	row, err := s.sessionByID.Get(ctx, t.sessionID)
	if ent.IsNotFound(err) {
		return u, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	sess := &cachedSession{userID: row.UserID, expiresAt: row.ExpiresAt, revoked: row.RevokedAt != nil}
	sess.lastUsed.Store(row.LastUsedAt.Unix())
	s.cache.fill(u, ug, t.sessionID, sess, sg, reading)
	return u, sess, nil
}

// touchEvery is how stale a session's lastUsedAt may get while it is in use.
const touchEvery = time.Minute

// touch moves the session's lastUsedAt on, at most once a minute, off the request's path.
func (s *Service) touch(id string, sess *cachedSession, now time.Time) {
	last := sess.lastUsed.Load()
	if now.Unix()-last < int64(touchEvery/time.Second) || !sess.lastUsed.CompareAndSwap(last, now.Unix()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.db.Session.UpdateOneID(id).SetLastUsedAt(now.Truncate(time.Second)).Exec(ctx)
		if err != nil && !ent.IsNotFound(err) {
			s.log.Warn("session last-used time not stored", "session_id", id, "error", err)
		}
	}()
}
