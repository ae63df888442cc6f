package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestQuickRun runs every phase of the load test briefly against a freshly built server: a smoke
// test of the tool and of the server under concurrent load. It checks that the phases ran and
// that no request failed unexpectedly, never how fast they were.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server; skipped with -short")
	}
	var out, progress bytes.Buffer
	err := run(t.Context(), []string{"-quick", "-duration", "500ms", "-smtp-delay", "500ms"}, &out, &progress)
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
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
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
