package account

import (
	"testing"
	"time"

	"latchkey/ent"
)

// TestCacheDropsAFillThatRacedAWrite: a request that read a row before a write committed must not
// put that row in the cache after the write's invalidation.
func TestCacheDropsAFillThatRacedAWrite(t *testing.T) {
	c := newAuthCache(time.Minute)
	const sid = "AAAAAAAAAAAAAAAAAAAAAA"
	ug, sg := c.generations(7, sid) // the request reads the rows after this
	c.invalidate("u:7", "s:"+sid)   // a revocation commits meanwhile
	c.fill(&ent.User{ID: 7}, ug, sid, &cachedSession{userID: 7}, sg, time.Now())
	if u, s := c.get(7, sid); u != nil || s != nil {
		t.Fatal("a fill that began before the invalidation was kept")
	}

	ug, sg = c.generations(7, sid)
	c.fill(&ent.User{ID: 7}, ug, sid, &cachedSession{userID: 7}, sg, time.Now())
	if u, s := c.get(7, sid); u == nil || s == nil {
		t.Fatal("a fill after the invalidation was dropped")
	}
	c.invalidate("s:" + sid)
	if _, s := c.get(7, sid); s != nil {
		t.Fatal("invalidate left the session")
	}

	ug, sg = c.generations(7, sid)
	c.fill(&ent.User{ID: 7}, ug, sid, &cachedSession{userID: 7}, sg, time.Now().Add(-time.Minute))
	if u, _ := c.get(7, sid); u != nil {
		t.Fatal("an entry older than its ttl was served")
	}
	c.flush()
	if u, _ := c.get(7, sid); u != nil {
		t.Fatal("flush left an entry")
	}
}
