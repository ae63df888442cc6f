package account

import (
	"testing"
	"time"
)

func TestVerifiedTokens(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	var v verifiedTokens
	v.put("token-a", verifiedToken{userID: 7, sessionVersion: 2, expires: now.Add(time.Minute)})

	t.Run("HitBeforeExpiry", func(t *testing.T) {
		got, ok := v.get("token-a", now.Add(59*time.Second))
		if !ok || got.userID != 7 || got.sessionVersion != 2 {
			t.Fatalf("get = %+v, %v", got, ok)
		}
	})
	t.Run("MissAtExpiry", func(t *testing.T) {
		if _, ok := v.get("token-a", now.Add(time.Minute)); ok {
			t.Fatal("an expired token was served from the cache")
		}
	})
	t.Run("MissForAnyOtherString", func(t *testing.T) {
		for _, other := range []string{"token-A", "token-a ", "token-", ""} {
			if _, ok := v.get(other, now); ok {
				t.Errorf("%q matched a cached token", other)
			}
		}
	})
	t.Run("Bounded", func(t *testing.T) {
		var b verifiedTokens
		for i := range maxVerifiedTokens + 10 {
			b.put(string(rune('a'+i%26))+time.Duration(i).String(), verifiedToken{expires: now.Add(time.Hour)})
		}
		if n := len(b.m); n > maxVerifiedTokens {
			t.Fatalf("%d entries, want at most %d", n, maxVerifiedTokens)
		}
	})
}
