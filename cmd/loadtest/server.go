package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// buildServer compiles cmd/server into dir, so that the server runs as a process of its own and
// its peak RSS is its alone.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "latchkey-server")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "latchkey/cmd/server")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build latchkey/cmd/server: %w\n%s", err, out)
	}
	return bin, nil
}

// serverProc is one running server process.
type serverProc struct {
	cmd        *exec.Cmd
	baseURL    string
	metricsURL string // the private listener's /metrics, from the banner
	logPath    string
	exited     chan struct{}
}

// startServer runs bin in dir with exactly env (nothing is inherited, so a developer's own
// settings cannot change the run) and waits for its banner's "listening" and "metrics" lines.
func startServer(ctx context.Context, bin, dir string, env map[string]string, logName string) (*serverProc, error) {
	// An empty settings file of its own: a named -env-file must exist, and no .env may leak in.
	envFile := filepath.Join(dir, "empty.env")
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "-env-file", envFile)
	cmd.Dir = dir
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logPath := filepath.Join(dir, logName)
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	p := &serverProc{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	found := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var listening string
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if rest, ok := strings.CutPrefix(line, "listening"); ok {
				listening = strings.TrimSpace(rest)
			}
			if rest, ok := strings.CutPrefix(line, "metrics"); ok { // the banner's last line
				select {
				case found <- [2]string{listening, strings.TrimSpace(rest)}:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	select {
	case u := <-found:
		p.baseURL, p.metricsURL = u[0], u[1]
	case <-p.exited:
		return nil, fmt.Errorf("server exited before listening; log:\n%s", tail(logPath, 2000))
	case <-time.After(30 * time.Second):
		p.kill()
		return nil, errors.New("server did not print its listening line within 30s")
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
	return p, p.waitHealthy(ctx)
}

func (p *serverProc) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.baseURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("server never became ready")
}

func (p *serverProc) pid() int { return p.cmd.Process.Pid }

// stop asks the server to shut down as an operator would, and kills it if it takes too long.
func (p *serverProc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(30 * time.Second):
		p.kill()
		return errors.New("server did not stop within 30s of SIGTERM; killed")
	}
}

func (p *serverProc) kill() {
	_ = p.cmd.Process.Kill()
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux 4.0+); false when unsupported.
func resetPeakRSS(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// peakRSS returns VmHWM, the process's peak resident set size, in bytes.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime returns the user plus system CPU time the process has used so far.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTicks = 100 // USER_HZ on every Linux Go supports
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// selfCPU returns the CPU time this process (the load generator) has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// captureProfile fetches a CPU profile of the server for d into path (DEBUG_PPROF=true).
func (p *serverProc) captureProfile(ctx context.Context, d time.Duration, path string) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimSuffix(p.metricsURL, "/metrics"), secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /debug/pprof/profile: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// machineCPU returns the CPU time every process on the machine has used so far (/proc/stat),
// so that a phase can tell how much of the cores went to neither the server nor the load generator.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system irq softirq steal
		v, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * time.Second / 100
}
