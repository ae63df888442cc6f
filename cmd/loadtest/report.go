package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"latchkey/account"
)

// report gathers a run's figures and prints them as Markdown.
type report struct {
	o         options
	started   time.Time
	env       map[string]string
	results   []*result
	drains    []string
	hashRates []float64
	hashes    int
	hashCPU   time.Duration // CPU time of one raw hash, the mean of the measurements
	flood     *result
	slowSMTP  time.Duration
	mail      *mailRun
	profiles  []string
	// The sessions part.
	sessionsEnv map[string]string // the SQLite server's; the PostgreSQL ones differ in DATABASE_URL only
	pgMeasured  bool
	revocation  *revocationRun
	loadStart   string // /proc/loadavg when the run began
}

func newReport(o options) *report {
	return &report{o: o, started: time.Now(), loadStart: loadAverage()}
}

func (r *report) add(res *result) { r.results = append(r.results, res) }

func (r *report) ceiling(rate float64, n int, cpu time.Duration) {
	k := time.Duration(len(r.hashRates))
	r.hashCPU = (r.hashCPU*k + cpu) / (k + 1)
	r.hashRates = append(r.hashRates, rate)
	r.hashes += n
}

// hashRate is the mean of the raw argon2id rates measured around the login phase.
func (r *report) hashRate() float64 {
	if len(r.hashRates) == 0 {
		return 0
	}
	sum := 0.0
	for _, h := range r.hashRates {
		sum += h
	}
	return sum / float64(len(r.hashRates))
}

func (r *report) find(name string) *result {
	for _, res := range r.results {
		if res.name == name {
			return res
		}
	}
	return nil
}

// drain waits for the mail worker to empty the outbox, so that one phase's backlog does not
// weigh on the next, and records how long that took.
func (r *report) drain(ctx context.Context, outbox *sql.DB, when string) {
	took, left, err := waitOutboxEmpty(ctx, outbox, 5*time.Minute)
	switch {
	case err != nil:
		r.drains = append(r.drains, fmt.Sprintf("%s: could not read the outbox: %v", when, err))
	case left > 0:
		r.drains = append(r.drains, fmt.Sprintf("%s: %d mails still queued after %v", when, left, took.Round(time.Millisecond)))
	default:
		r.drains = append(r.drains, fmt.Sprintf("%s: outbox empty after %v", when, took.Round(10*time.Millisecond)))
	}
}

// unexpectedErrors lists errors other than RATE_LIMITED in the flood, which is its purpose.
func (r *report) unexpectedErrors() string {
	var bad []string
	for _, res := range r.results {
		for code, n := range res.errors {
			if res == r.flood && code == account.CodeRateLimited {
				continue
			}
			bad = append(bad, fmt.Sprintf("%s: %d × %s (e.g. %s)", res.name, n, code, res.example[code]))
		}
	}
	if r.revocation != nil {
		bad = append(bad, r.revocation.failures...)
	}
	slices.Sort(bad)
	return strings.Join(bad, "; ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func mib(b int64) string {
	if b == 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}

func (r *report) print(w io.Writer) {
	if r.o.onlyMail {
		r.printMailOnly(w)
		return
	}
	if r.o.onlySessions {
		r.printSessionsOnly(w)
		return
	}
	o := r.o
	fmt.Fprintf(w, "## Latchkey load test, %s\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- machine: %s, %d CPUs, GOMAXPROCS %d, %s %s/%s; load generator and server on the same cores\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- command: `go run ./cmd/loadtest %s`\n", strings.Join(flagsUsed(o), " "))
	fmt.Fprintf(w, "- %d clients per phase, %v each after %v of warm-up; %d seeded accounts; SQLite in a temporary directory\n",
		o.c, o.duration, o.warmup, o.users)
	fmt.Fprintf(w, "- load average (1, 5, 15 min) at the start: %s; at the end: %s\n", r.loadStart, loadAverage())
	fmt.Fprintf(w, "- server settings: %s\n", envLine(r.env))
	fmt.Fprintf(w, "- CPU columns are cores busy on average over the phase: the server process, this load generator, and every other process on the machine; CPU µs/req is server + load generator CPU time per request\n")
	fmt.Fprintf(w, "- per-IP rate limits stay on but are raised to %s a minute through their settings, because all load comes from loopback, one address per client\n\n", rateLimit)

	printTable(w, r.results)
	for _, res := range r.results {
		if res.note != "" {
			fmt.Fprintf(w, "- %s: %s\n", res.name, res.note)
		}
	}
	for _, d := range r.drains {
		fmt.Fprintf(w, "- mail worker %s\n", d)
	}
	if r.mail != nil {
		r.mail.print(w)
	}
	r.printSessionNotes(w)
	p := account.DefaultArgon2Params
	var rates []string
	for _, h := range r.hashRates {
		rates = append(rates, fmt.Sprintf("%.1f", h))
	}
	fmt.Fprintf(w, "- raw argon2id (m=%d KiB, t=%d, p=%d) on %d goroutines, in the load generator while the server idled, for %v just before and just after the login phase: %s hashes/s, mean **%.1f hashes/s**; %.1f ms of CPU per hash\n",
		p.Memory, p.Iterations, p.Parallelism, runtime.GOMAXPROCS(0), o.hashDuration, strings.Join(rates, " and "), r.hashRate(), float64(r.hashCPU.Microseconds())/1000)
	if login := r.find("login"); login != nil && login.n > 0 {
		perLogin := (login.serverCPU + login.clientCPU) / time.Duration(login.n)
		fmt.Fprintf(w, "- login: %.1f ms of CPU per login (server and load generator), so argon2id is %.0f %% of a login's CPU time\n",
			float64(perLogin.Microseconds())/1000, 100*r.hashCPU.Seconds()/perLogin.Seconds())
	}
	fmt.Fprintln(w)
	r.printTargets(w)
	r.printProfiles(w)
}

func (r *report) printProfiles(w io.Writer) {
	if len(r.profiles) > 0 {
		fmt.Fprintf(w, "\nCPU profiles of the server (DEBUG_PPROF=true) are in %s:\n", r.o.profileDir)
		for _, p := range r.profiles {
			fmt.Fprintf(w, "- %s\n", p)
		}
	}
}

// printTable prints one row per phase, and one per group of a phase's requests.
func printTable(w io.Writer, results []*result) {
	fmt.Fprintln(w, "| phase | clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU | loadgen CPU | other CPU | CPU µs/req | server peak RSS MiB |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|")
	for _, res := range results {
		rss := mib(res.peakRSS)
		if !res.rssIsPhase {
			rss += " (process peak)"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			res.name, res.c, res.n, res.rps(), ms(res.percentile(50)), ms(res.percentile(95)), ms(res.percentile(99)),
			ms(res.percentile(100)), errorText(res.errors), cores(res.serverCPU, res.elapsed), cores(res.clientCPU, res.elapsed), cores(res.otherCPU, res.elapsed), perRequest(res), rss)
		for _, g := range slices.Sorted(maps.Keys(res.groups)) {
			sub := res.groups[g]
			fmt.Fprintf(w, "| … %s | | %d | | %s | %s | %s | %s | | | | | | |\n", groupNames[g], sub.n,
				ms(sub.percentile(50)), ms(sub.percentile(95)), ms(sub.percentile(99)), ms(sub.percentile(100)))
		}
	}
	fmt.Fprintln(w)
}

func (r *report) printTargets(w io.Writer) {
	fmt.Fprintln(w, "| target | measured | verdict |")
	fmt.Fprintln(w, "|---|---|---|")
	row := func(target, measured string, met bool) {
		verdict := "met"
		if !met {
			verdict = "**missed**"
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", target, measured, verdict)
	}
	if me := r.find("me"); me != nil {
		row("me ≥ 15 000 req/s", fmt.Sprintf("%.0f req/s", me.rps()), me.rps() >= 15000)
	}
	for _, name := range []string{"forgotPassword, unknown email", "forgotPassword, known email",
		"forgotPassword, unknown email, slow SMTP", "forgotPassword, known email, slow SMTP"} {
		if f := r.find(name); f != nil {
			row(name+": ≥ 8 000 req/s, p99 < 10 ms", fmt.Sprintf("%.0f req/s, p99 %s ms", f.rps(), ms(f.percentile(99))),
				f.rps() >= 8000 && f.percentile(99) < 10*time.Millisecond)
		}
	}
	for _, name := range []string{mixedPhase, mixedSlowPhase, signUpMixedPhase} {
		mixed := r.find(name)
		if mixed == nil || mixed.groups[1] == nil || mixed.groups[2] == nil {
			continue
		}
		k, u := mixed.groups[1], mixed.groups[2]
		// Judged on p50 and p95; p99 rests on a few hundred requests and is shown only.
		worst := 0.0
		var parts []string
		for _, pc := range []float64{50, 95, 99} {
			d := diff(k.percentile(pc), u.percentile(pc))
			if pc < 99 {
				worst = max(worst, d)
			}
			parts = append(parts, fmt.Sprintf("p%.0f %s vs %s ms (%.0f %%)", pc, ms(k.percentile(pc)), ms(u.percentile(pc)), d*100))
		}
		row(name+": known vs unknown latency (p50, p95) within 10 %", strings.Join(parts, "; "), worst <= 0.10)
	}
	if login := r.find("login"); login != nil && r.hashRate() > 0 {
		frac := login.rps() / r.hashRate()
		row("login ≥ 85 % of the argon2id ceiling", fmt.Sprintf("%.1f logins/s of %.1f hashes/s = %.0f %%", login.rps(), r.hashRate(), frac*100), frac >= 0.85)
	}
	if r.mail != nil {
		row(r.mail.target())
	}
	if f := r.flood; f != nil {
		ok := f.n - f.errorCount()
		row(fmt.Sprintf("peak RSS < 300 MiB under %d concurrent logins", f.c),
			fmt.Sprintf("%s MiB; %d signed in, %s; last answer after %s ms", mib(f.peakRSS), ok, errorText(f.errors), ms(f.percentile(100))),
			f.peakRSS > 0 && f.peakRSS < 300<<20)
	}
	r.sessionTargets(row)
}

// groupNames name request.group in the report.
var groupNames = map[int]string{1: "known email", 2: "unknown email"}

// diff is |a-b| relative to the smaller of the two.
func diff(a, b time.Duration) float64 {
	lo, hi := min(a, b), max(a, b)
	if lo <= 0 {
		return 0
	}
	return float64(hi-lo) / float64(lo)
}

// perRequest is the CPU time the server and the load generator spent per request, which other
// load on the machine changes far less than it changes wall-clock rates.
func perRequest(r *result) string {
	if r.n == 0 {
		return "?"
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(r.n) }
	return fmt.Sprintf("%.0f + %.0f", per(r.serverCPU), per(r.clientCPU))
}

func cores(cpu, wall time.Duration) string {
	if wall <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.2f cores", cpu.Seconds()/wall.Seconds())
}

func errorText(errs map[string]int) string {
	if len(errs) == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		parts = append(parts, fmt.Sprintf("%d %s", errs[k], k))
	}
	return strings.Join(parts, ", ")
}

func envLine(env map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		v := env[k]
		switch k {
		case "SECRET_KEY":
			v = "(fixed test key)"
		case "DATABASE_URL":
			v = "sqlite:TMP/" + filepath.Base(strings.TrimPrefix(v, "sqlite:"))
			if !strings.HasPrefix(env[k], "sqlite:") {
				v = "(a throw-away PostgreSQL database)"
			}
		case "MAIL_PORT":
			v = "(test SMTP server)"
		}
		parts = append(parts, "`"+k+"="+v+"`")
	}
	return strings.Join(parts, " ")
}

func flagsUsed(o options) []string {
	var f []string
	if o.quick {
		f = append(f, "-quick")
	}
	f = append(f, fmt.Sprintf("-c %d", o.c), fmt.Sprintf("-duration %v", o.duration))
	if o.onlyMail {
		f = append(f, "-only-mail", fmt.Sprintf("-mails %d", o.mails), fmt.Sprintf("-mail-delay %v", o.mailDelay))
	}
	if o.onlySessions {
		f = append(f, "-only-sessions", fmt.Sprintf("-revocations %d", o.revocations))
	}
	switch o.postgres {
	case defaultPostgres:
	case "":
		f = append(f, `-postgres ""`)
	default:
		f = append(f, "-postgres URL") // it may hold a password
	}
	if o.profileDir != "" {
		f = append(f, "-profile "+o.profileDir)
	}
	return f
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// summarizeProfiles writes `go tool pprof -top` of each profile beside it.
func summarizeProfiles(ctx context.Context, bin, dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.pprof"))
	var out []string
	for _, f := range files {
		txt := strings.TrimSuffix(f, ".pprof") + ".top.txt"
		b, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=30", bin, f).Output()
		if err != nil {
			out = append(out, fmt.Sprintf("%s (pprof failed: %v)", filepath.Base(f), err))
			continue
		}
		_ = os.WriteFile(txt, b, 0o644)
		out = append(out, fmt.Sprintf("%s, top entries in %s", filepath.Base(f), filepath.Base(txt)))
	}
	return out
}

func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
