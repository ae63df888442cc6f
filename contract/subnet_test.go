package contract_test

import (
	"fmt"
	"testing"

	"latchkey/app/apptest"
)

// TestRateLimitIPv6Site: the /64s of one IPv6 /48 share four /64 allowances, so a site cannot
// multiply its allowance by its 65 536 subnets; in process and through Redis alike.
func TestRateLimitIPv6Site(t *testing.T) {
	for _, shared := range []bool{false, true} {
		name := "InProcess"
		if shared {
			name = "Redis"
		}
		t.Run(name, func(t *testing.T) {
			env := map[string]string{
				"RATE_LIMIT_ENABLED":                    "true",
				"RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": "2",
				"TRUSTED_PROXIES":                       "127.0.0.1/32",
			}
			if shared {
				env["REDIS_URL"] = needRedis(t)
			}
			e := apptest.Start(t, apptest.Setup{NoWorker: true, RedisPrefix: redisPrefix(t), Env: env})
			vars := map[string]any{"e": "nobody@example.com"}
			for i := range 8 { // 4 × 2
				wantOK(t, queryFrom(t, e, fmt.Sprintf("2001:db8:48:%x::1", i), apptest.ForgotMutation, vars))
			}
			wantRateLimited(t, queryFrom(t, e, "2001:db8:48:ff::1", apptest.ForgotMutation, vars))
			wantOK(t, queryFrom(t, e, "2001:db8:49::1", apptest.ForgotMutation, vars))
		})
	}
}
