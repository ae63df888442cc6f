package ratelimit_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"latchkey/ratelimit"
)

// TestRedisTake: limit requests at once, then a wait of one interval, refilled as time passes,
// the same arithmetic as the in-process token bucket.
func TestRedisTake(t *testing.T) {
	const addr = "127.0.0.1:6379"
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		t.Skipf("no Redis at %s (%v): start one to run this test", addr, err)
	} else {
		c.Close()
	}
	rc, err := ratelimit.NewClient("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	l := ratelimit.New(rc, fmt.Sprintf("latchkey-test:%s:%d:", t.Name(), time.Now().UnixNano()))
	now := time.Now()
	take := func() time.Duration {
		t.Helper()
		wait, err := l.Take(t.Context(), "k", 5, time.Minute, now)
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	for i := range 5 {
		if wait := take(); wait != 0 {
			t.Fatalf("request %d waits %v, want allowed", i+1, wait)
		}
	}
	if wait := take(); wait != 12*time.Second {
		t.Errorf("sixth waits %v, want 12s (one request every 60s/5)", wait)
	}
	now = now.Add(12 * time.Second)
	if wait := take(); wait != 0 {
		t.Errorf("after 12s waits %v, want allowed", wait)
	}
	if wait := take(); wait == 0 {
		t.Error("a second request after 12s was allowed too")
	}
}

// TestRedisUnreachable: a Redis that is not there is an error, soon.
func TestRedisUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rc.Close()
	l := ratelimit.New(rc, "")
	start := time.Now()
	if _, err := l.Take(t.Context(), "k", 5, time.Minute, time.Now()); err == nil {
		t.Fatal("Take without Redis succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v to fail", took)
	}
}
