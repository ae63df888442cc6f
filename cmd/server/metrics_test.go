package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func get(tb testing.TB, url string) (int, string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsOnlyOnMetricsAddr(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	env["DEBUG_PPROF"] = "true"
	p := startServer(t, dir, env)
	metrics, ok := strings.CutSuffix(p.MetricsURL, "/metrics")
	if !ok || metrics == p.URL {
		t.Fatalf("banner's metrics line = %q, want a /metrics URL apart from %s", p.MetricsURL, p.URL)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline"} {
		if code, _ := get(t, p.URL+path); code != http.StatusNotFound {
			t.Errorf("public %s = %d, want 404", path, code)
		}
	}
	if code, body := get(t, metrics+"/metrics"); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("METRICS_ADDR /metrics = %d:\n%.300s", code, body)
	}
	if code, _ := get(t, metrics+"/debug/pprof/"); code != http.StatusOK {
		t.Errorf("METRICS_ADDR /debug/pprof/ = %d with DEBUG_PPROF=true", code)
	}
	if code, _ := get(t, metrics+"/graphql"); code != http.StatusNotFound {
		t.Errorf("METRICS_ADDR /graphql = %d, want 404: the API is not served there", code)
	}
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 20*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.Logs())
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(metrics, "http://"), time.Second); err == nil {
		t.Error("the metrics listener still answers after the server stopped")
	}
}

func TestMetricsAddrOff(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	env["METRICS_ADDR"] = "off"
	p := startServer(t, dir, env)
	if p.MetricsURL != "off" {
		t.Errorf("banner's metrics line = %q, want off", p.MetricsURL)
	}
	if code, _ := get(t, p.URL+"/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics = %d, want 404", code)
	}
}

func TestMetricsAddrTakenStopsTheStart(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	env := baseEnv(dir)
	env["PORT"] = "0"
	env["METRICS_ADDR"] = taken.Addr().String()
	out, err := command(t, dir, env, "serve").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "METRICS_ADDR "+taken.Addr().String()) {
		t.Fatalf("serve with METRICS_ADDR taken: %v, want an error naming it:\n%s", err, out)
	}
}
