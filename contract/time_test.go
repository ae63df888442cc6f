package contract_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// rfc3339Seconds is the one shape of a Time in the API: RFC 3339, whole seconds, UTC.
var rfc3339Seconds = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// TestTimesHaveOnePrecision: every Time the API returns (a session's expiries, an account's and
// a session's times, a reset token's expiry) is RFC 3339 with whole seconds, in UTC.
func TestTimesHaveOnePrecision(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	token := env.ResetTokenFromMail(t, 1)

	answers := map[string]*apptest.Response{
		"register": register(t, env, "bob", "bob@example.com", "bob-password-1"),
		"me":       env.Query(t, s.AccessToken, `{me{createdAt sessions{createdAt lastUsedAt}}}`, nil),
		"check":    env.Query(t, "", apptest.CheckQuery, map[string]any{"t": token}),
	}
	for name, r := range answers {
		wantOK(t, r)
		var data any
		if err := json.Unmarshal(r.Body, &data); err != nil {
			t.Fatal(err)
		}
		n := 0
		walkTimes(data, "", func(path, v string) {
			n++
			if !rfc3339Seconds.MatchString(v) {
				t.Errorf("%s: %s = %q, want RFC 3339 with whole seconds in UTC", name, path, v)
			}
		})
		if n == 0 {
			t.Errorf("%s: no time in %s", name, r.Body)
		}
	}
}

// walkTimes calls f with every string of v under a key ending in "At", the API's times.
func walkTimes(v any, path string, f func(path, v string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && strings.HasSuffix(k, "At") {
				f(path+"."+k, s)
				continue
			}
			walkTimes(x, path+"."+k, f)
		}
	case []any:
		for _, x := range v {
			walkTimes(x, path+"[]", f)
		}
	}
}
