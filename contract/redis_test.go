package contract_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"latchkey/app/apptest"
)

// testRedis is the Redis that the machines and CI run; CI starts it when it is not running.
const testRedis = "127.0.0.1:6379"

// needRedis skips the test when no Redis answers locally.
func needRedis(tb testing.TB) string {
	tb.Helper()
	c, err := net.DialTimeout("tcp", testRedis, time.Second)
	if err != nil {
		tb.Skipf("no Redis at %s (%v): start one to run this test", testRedis, err)
	}
	c.Close()
	return "redis://" + testRedis + "/0"
}

// redisPrefix is a key prefix of this test alone, so that parallel and repeated runs do not share allowances.
func redisPrefix(tb testing.TB) string {
	return fmt.Sprintf("latchkey-test:%s:%d:", tb.Name(), time.Now().UnixNano())
}

// TestRedisSharesLimitsAcrossReplicas: with REDIS_URL, two servers spend one client's allowance
// together, and the keys they leave in Redis expire.
func TestRedisSharesLimitsAcrossReplicas(t *testing.T) {
	url, prefix := needRedis(t), redisPrefix(t)
	replica := func() *apptest.Env {
		return apptest.Start(t, apptest.Setup{NoWorker: true, RedisPrefix: prefix, Env: map[string]string{
			"RATE_LIMIT_ENABLED":                    "true",
			"RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": "3",
			"REDIS_URL":                             url,
			"TRUSTED_PROXIES":                       "127.0.0.1/32",
		}})
	}
	a, b := replica(), replica()
	vars := map[string]any{"e": "nobody@example.com"}
	for range 3 {
		wantOK(t, queryFrom(t, a, "203.0.113.50", apptest.ForgotMutation, vars))
	}
	t.Run("OtherReplicaRefusesNext", func(t *testing.T) {
		wantRateLimited(t, queryFrom(t, b, "203.0.113.50", apptest.ForgotMutation, vars))
	})
	t.Run("OtherClientUnaffected", func(t *testing.T) {
		wantOK(t, queryFrom(t, b, "203.0.113.51", apptest.ForgotMutation, vars))
	})
	t.Run("KeysExpire", func(t *testing.T) {
		rc := redis.NewClient(&redis.Options{Addr: testRedis})
		defer rc.Close()
		keys, err := rc.Keys(context.Background(), prefix+"*").Result()
		if err != nil || len(keys) == 0 {
			t.Fatalf("keys under %q: %v, %v; want the clients' buckets", prefix, keys, err)
		}
		for _, k := range keys {
			if ttl := rc.PTTL(context.Background(), k).Val(); ttl <= 0 || ttl > time.Minute {
				t.Errorf("%s expires in %v; want within a minute", k, ttl)
			}
		}
	})
}

// TestRedisDownStillServes: a REDIS_URL that does not answer costs neither an error nor the
// limits: each server limits on its own, and says so once.
func TestRedisDownStillServes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	env := apptest.Start(t, apptest.Setup{NoWorker: true, RedisPrefix: redisPrefix(t), Env: map[string]string{
		"RATE_LIMIT_ENABLED":                    "true",
		"RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": "3",
		"REDIS_URL":                             "redis://" + closed + "/0",
	}})
	for i := range 3 {
		if got := message(t, forgot(t, env, "nobody@example.com"), "forgotPassword"); got != forgotMessage {
			t.Fatalf("request %d: %q", i+1, got)
		}
	}
	wantRateLimited(t, forgot(t, env, "nobody@example.com"))
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	if n := strings.Count(env.Logs(), "shared rate limits do not answer"); n != 1 {
		t.Errorf("the outage was logged %d times; want once:\n%s", n, env.Logs())
	}
	if strings.Contains(env.Logs(), "level=ERROR") {
		t.Errorf("an error was logged:\n%s", env.Logs())
	}
}
