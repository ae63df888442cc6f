package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readmeSteps returns the shell blocks of the README's "Five minutes with it", in order.
func readmeSteps(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		tb.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "## Five minutes with it\n")
	if !ok {
		tb.Fatal(`README.md has no "Five minutes with it"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks []string
	for rest := section; ; {
		_, after, found := strings.Cut(rest, "```sh\n")
		if !found {
			return blocks
		}
		block, tail, _ := strings.Cut(after, "```")
		blocks, rest = append(blocks, block), tail
	}
}

var resetTokenInLog = regexp.MustCompile(`/reset-password#token=([A-Za-z0-9_-]{43})`)

// TestREADMEStepsRunTwice runs the README's shell steps, as written, against the built server,
// twice in a row: the second run must work as well, alice existing already. The one thing a
// reader copies by hand, the reset token from the log, is fed to the script when the mail is
// logged; the base URL is the test server's. Reset mail is allowed without the minute between
// two (the README says a second run sooner sends none).
func TestREADMEStepsRunTwice(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is missing")
		}
		t.Skip("curl is not installed")
	}
	blocks := readmeSteps(t)
	script := strings.Join(blocks, "\n")
	if len(blocks) < 4 || strings.Count(script, "\nRESET_TOKEN=") != 1 {
		t.Fatalf("want the README's shell steps with one RESET_TOKEN= line, got %d blocks:\n%s", len(blocks), script)
	}
	dir := t.TempDir()
	env := baseEnv(dir)
	env["RESET_MAIL_MIN_INTERVAL_SECONDS"] = "0"
	p := startServer(t, dir, env)
	script = strings.ReplaceAll(script, "http://127.0.0.1:8000", p.URL)
	script = regexp.MustCompile(`(?m)^RESET_TOKEN=.*$`).ReplaceAllString(script, "read -r RESET_TOKEN")

	for run := 1; run <= 2; run++ {
		out := runSteps(t, p, script, run)
		wants := []string{
			`{"data":{"me":{"id":"1","username":"alice","email":"alice@example.com"}}}`,
			`{"data":{"forgotPassword":{"message":"If an account exists with this email, you will receive password reset instructions."}}}`,
			`{"data":{"resetPassword":{"message":"Your password has been reset. Sign in with your new password."}}}`,
			`{"data":{"changePassword":{"message":"Your password has been changed."}}}`,
		}
		errors := 0
		if run == 1 {
			wants = append(wants, `{"data":{"register":{"user":{"id":"1","username":"alice"}}}}`)
		} else {
			wants, errors = append(wants, `"message":"An account with this email already exists"`), 1
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("run %d: the output lacks %s:\n%s", run, w, out)
			}
		}
		if n := strings.Count(out, `"errors"`); n != errors {
			t.Errorf("run %d: %d errors, want %d:\n%s", run, n, errors, out)
		}
	}
}

// runSteps runs script in bash, handing it the token of the run-th reset mail in the log when
// that is there, and returns what it printed.
func runSteps(tb testing.TB, p *Process, script string, run int) string {
	tb.Helper()
	cmd := exec.Command("bash", "-c", script)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	go func() {
		defer stdin.Close()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := resetTokenInLog.FindAllStringSubmatch(p.Logs(), -1); len(m) >= run {
				fmt.Fprintln(stdin, m[run-1][1])
				return
			}
		}
	}()
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("run %d: %v\n%s", run, err, out)
	}
	return string(out)
}
