package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds cmd/server once per test run and returns the path of the executable.
func binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "latchkey-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "latchkey")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	if buildErr != nil {
		tb.Fatalf("build server: %v", buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// command prepares the binary with args, in dir, with exactly env as its environment.
func command(tb testing.TB, dir string, env map[string]string, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(binary(tb), args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// Process is a running server binary.
type Process struct {
	Cmd        *exec.Cmd
	URL        string            // from the start-up banner
	MetricsURL string            // the banner's metrics line: the private /metrics URL, or "off"
	Banner     map[string]string // each banner line's first word, to its second
	logs       *lockedBuffer
	done       chan error
}

// startServer starts `server serve` and waits until its banner names the address it listens on.
func startServer(tb testing.TB, dir string, env map[string]string) *Process {
	tb.Helper()
	if _, ok := env["PORT"]; !ok {
		env["PORT"] = "0"
	}
	if _, ok := env["METRICS_ADDR"]; !ok {
		env["METRICS_ADDR"] = "127.0.0.1:0" // servers started side by side must not share a port
	}
	cmd := command(tb, dir, env, "serve")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &Process{Cmd: cmd, logs: logs, done: make(chan error, 1)}
	urls := make(chan [2]string, 1)
	p.Banner = map[string]string{}
	go func() {
		sc := bufio.NewScanner(stdout)
		var listening string
		sent := false
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 2 && !sent {
				p.Banner[f[0]] = f[1] // written before urls is sent, read after it is received
			}
			switch {
			case len(f) == 2 && f[0] == "listening":
				listening = f[1]
			case len(f) >= 2 && f[0] == "metrics" && !sent: // the banner's last line
				urls <- [2]string{listening, f[1]}
				sent = true
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { p.done <- cmd.Wait() }()
	tb.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
		if tb.Failed() {
			tb.Logf("server log:\n%s", logs.String())
		}
	})
	select {
	case u := <-urls:
		p.URL, p.MetricsURL = u[0], u[1]
	case err := <-p.done:
		tb.Fatalf("server exited before listening: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		tb.Fatalf("server did not print its address\n%s", logs.String())
	}
	return p
}

// Wait waits for the process to exit and returns its error.
func (p *Process) Wait(tb testing.TB, timeout time.Duration) error {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		tb.Fatalf("server did not exit within %s\n%s", timeout, p.logs.String())
		return nil
	}
}

// Logs returns what the process wrote to stderr so far.
func (p *Process) Logs() string { return p.logs.String() }

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
