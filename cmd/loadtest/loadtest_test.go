package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestQuickRun runs every phase of the load test briefly against a freshly built server: a smoke
// test of the tool and of the server under concurrent load. It checks that the phases ran and
// that no request failed unexpectedly, never how fast they were. The sessions part runs on
// PostgreSQL too when TEST_DATABASE_URL names a server (as in the suite's PostgreSQL run).
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server; skipped with -short")
	}
	pg := os.Getenv("TEST_DATABASE_URL")
	var out, progress bytes.Buffer
	err := run(t.Context(), []string{"-quick", "-duration", "500ms", "-smtp-delay", "500ms", "-postgres", pg}, &out, &progress)
	if err != nil {
		t.Fatalf("loadtest: %v\nprogress:\n%s\nreport:\n%s", err, progress.String(), out.String())
	}
	report := out.String()
	for _, want := range []string{
		"| me |", "| forgotPassword, unknown email |", "| forgotPassword, known email |", "| login |",
		"| resetPassword |", "| login flood (50 at once) |", "| forgotPassword, known email, slow SMTP |",
		"| forgotPassword, known and unknown interleaved |", "| … known email |", "| … unknown email |",
		"| signUp, known and unknown interleaved |",
		"hashes/s", "| target | measured | verdict |", "mails/s",
		"| me, SQLite |", "| refreshSession, SQLite |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if pg == "" {
		t.Log("TEST_DATABASE_URL is not set: the sessions part ran on SQLite only")
		return
	}
	for _, want := range []string{
		"| me, PostgreSQL |", "| me, PostgreSQL, again |", "| me, SQLite, again |", "| refreshSession, PostgreSQL |",
		"me on PostgreSQL ≥ 80 % of me on SQLite, same run", "revocation refused by another replica within 1s",
		"5 of 5 refused",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

// TestRefreshChains: each worker sends the refresh token the previous answer gave it, and an
// answer that does not continue the chain (an error, no token, the same token again) is counted
// as an error and ends that worker's requests, so that a spent token is never sent again.
func TestRefreshChains(t *testing.T) {
	tok := func(c byte) string { return strings.Repeat(string(c), 43) }
	answer := func(token string) []byte {
		return []byte(`{"data":{"refreshSession":{"accessToken":"x.y.z","refreshToken":"` + token + `"}}}`)
	}
	rc := newRefreshChains("http://127.0.0.1:1/graphql", []signedIn{{"a0", tok('a')}, {"a1", tok('b')}, {"a2", tok('c')}, {"a3", tok('d')}})
	sent := func(w int) string {
		req, more := rc.next(w)
		if !more {
			return ""
		}
		return string(req.raw)
	}
	if !strings.Contains(sent(0), tok('a')) || !strings.Contains(sent(1), tok('b')) {
		t.Fatalf("first requests do not carry the sign-in's refresh tokens:\n%s", sent(0))
	}
	if code := rc.reply(0, answer(tok('e')), ""); code != "" {
		t.Fatalf("a rotated token: code %q", code)
	}
	if r := sent(0); !strings.Contains(r, tok('e')) || strings.Contains(r, tok('a')) {
		t.Errorf("worker 0 does not send the token of the last answer:\n%s", r)
	}
	if !strings.Contains(sent(1), tok('b')) {
		t.Errorf("worker 1's chain changed with worker 0's answer")
	}
	for w, c := range []struct{ body, code, want string }{
		1: {`{"errors":[{"message":"Not authenticated","extensions":{"code":"UNAUTHENTICATED"}}],"data":null}`, "UNAUTHENTICATED", "UNAUTHENTICATED"},
		2: {`{"data":{"refreshSession":{"accessToken":"x"}}}`, "", "no refreshToken in the answer"},
		3: {string(answer(tok('d'))), "", "refreshToken not rotated"},
	} {
		if w == 0 {
			continue
		}
		if got := rc.reply(w, []byte(c.body), c.code); got != c.want {
			t.Errorf("worker %d: code %q, want %q", w, got, c.want)
		}
		if _, more := rc.next(w); more {
			t.Errorf("worker %d goes on after its chain broke (%s)", w, c.want)
		}
	}
	if _, more := rc.next(0); !more {
		t.Errorf("worker 0 stopped with the others")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"OK", 200, `{"data":{"me":{"id":"1"}}}`, ""},
		{"ErrCode", 200, `{"errors":[{"message":"x","extensions":{"code":"RATE_LIMITED","retryAfter":1}}],"data":null}`, "RATE_LIMITED"},
		{"ErrStatus", 503, `busy`, "HTTP 503"},
		{"ErrUnexpected", 200, `{"data":{"other":{}}}`, "unexpected answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.status, []byte(tt.body), []byte(`"me":{`)); got != tt.want {
				t.Errorf("classify = %q, want %q", got, tt.want)
			}
		})
	}
}
