package contract_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"latchkey/app/apptest"
)

// TestFullDiskSQLite puts the SQLite database on a small tmpfs and fills it: writes fail with a
// contract error, never a hang, and /readyz turns 503; once space is freed, /readyz is 200 again
// and writes succeed, without a restart.
func TestFullDiskSQLite(t *testing.T) {
	dir := mountTmpfs(t, "2m")
	env := apptest.Start(t, apptest.Setup{DatabaseURL: "sqlite:" + filepath.Join(dir, "latchkey.db"),
		Env: map[string]string{"DATABASE_TIMEOUT_MS": dbTimeout}})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	filler := filepath.Join(dir, "filler")
	fill(t, filler)

	t.Run("WritesFail", func(t *testing.T) {
		for i := range 200 {
			r := queryWithin(t, env, answerWithin, registerCall(i))
			if len(r.Errors) == 0 {
				continue // a page the database still had room for
			}
			if code := r.Code(); code != "INTERNAL_SERVER_ERROR" && code != "UNAVAILABLE" {
				t.Fatalf("code %q: %s", code, r.Body)
			}
			return
		}
		t.Fatal("200 accounts created on a full disk")
	})
	t.Run("NotReady", func(t *testing.T) { waitReadyz(t, env, http.StatusServiceUnavailable) })
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	t.Run("ReadyAgain", func(t *testing.T) {
		waitReadyz(t, env, http.StatusOK)
		wantOK(t, queryWithin(t, env, answerWithin, registerCall(1000)))
	})
}

func registerCall(i int) call {
	return call{query: apptest.RegisterMutation, vars: map[string]any{
		"u": fmt.Sprintf("user%04d", i), "e": fmt.Sprintf("user%04d@example.com", i), "p": "user-password-1",
	}}
}

// mountTmpfs mounts a tmpfs of size in a new directory until the test ends, or skips the test
// when it cannot (it needs root).
func mountTmpfs(tb testing.TB, size string) string {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("mounting a tmpfs for a full disk needs root")
	}
	dir := tb.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		tb.Skipf("cannot mount a tmpfs (%v): %s", err, out)
	}
	tb.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			tb.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes to path until the file system has no space left.
func fill(tb testing.TB, path string) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				tb.Fatalf("fill the disk: %v", err)
			}
			return
		}
	}
}
