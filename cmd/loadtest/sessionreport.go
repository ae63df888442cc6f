package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

// printSessionsOnly is the report of a run of the sessions part alone (-only-sessions).
func (r *report) printSessionsOnly(w io.Writer) {
	o := r.o
	fmt.Fprintf(w, "## Latchkey sessions load test, %s\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- machine: %s, %d CPUs, GOMAXPROCS %d, %s %s/%s; load generator, server and PostgreSQL on the same cores\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- command: `go run ./cmd/loadtest %s`\n", strings.Join(flagsUsed(o), " "))
	fmt.Fprintf(w, "- load average (1, 5, 15 min) at the start: %s; at the end: %s\n", r.loadStart, loadAverage())
	fmt.Fprintf(w, "- %d clients per phase, each with a session of its own, %v each after %v of warm-up\n", o.c, o.duration, o.warmup)
	fmt.Fprintf(w, "- server settings: %s\n", envLine(r.sessionsEnv))
	fmt.Fprintf(w, "- CPU columns are cores busy on average over the phase; on PostgreSQL its server processes are in \"other CPU\"\n\n")
	printTable(w, r.results)
	r.printSessionNotes(w)
	fmt.Fprintln(w)
	r.printTargets(w)
	r.printProfiles(w)
}

// printSessionNotes says how the sessions part ran and what the revocation phase measured.
func (r *report) printSessionNotes(w io.Writer) {
	if r.sessionsEnv == nil {
		return
	}
	if !r.pgMeasured {
		fmt.Fprintf(w, "- sessions: PostgreSQL not measured (-postgres is empty)\n")
		return
	}
	fmt.Fprintf(w, "- sessions: one server on SQLite and one on a throw-away PostgreSQL database, the same %d accounts; me in the order SQLite, PostgreSQL, PostgreSQL, SQLite, the target's rates over both phases of each; each refreshSession worker keeps its own chain of rotated refresh tokens\n",
		r.o.c)
	if v := r.revocation; v != nil {
		fmt.Fprintf(w, "- revocation across replicas: %d sign-outs (scope THIS) on replica 1, each just after replica 2 had cached the session; me polled on replica 2 back to back from the moment signOut was sent: %d refused, median **%s ms**, max **%s ms**, %d failures\n",
			v.n, len(v.latencies), ms(v.percentile(50)), ms(v.percentile(100)), len(v.failures))
	}
}

// sessionTargets adds the rows of issue 14's targets to the targets table.
func (r *report) sessionTargets(row func(target, measured string, met bool)) {
	if r.sessionsEnv == nil {
		return
	}
	lite, pg := r.rate(meSQLite, meSQLite+again), r.rate(mePostgres, mePostgres+again)
	target := fmt.Sprintf("me on PostgreSQL ≥ %.0f %% of me on SQLite, same run", meRatioTarget*100)
	if lite == 0 || pg == 0 {
		row(target, "PostgreSQL not measured", false)
		return
	}
	ratio := pg / lite
	row(target, fmt.Sprintf("%.0f of %.0f req/s = %.0f %%", pg, lite, ratio*100), ratio >= meRatioTarget)
	if v := r.revocation; v != nil {
		row(fmt.Sprintf("revocation refused by another replica within %v", revocationTarget),
			fmt.Sprintf("%d of %d refused, median %s ms, max %s ms", len(v.latencies), v.n, ms(v.percentile(50)), ms(v.percentile(100))),
			v.met())
	}
}

// rate is the requests per second of the named phases taken together; 0 if one is missing.
func (r *report) rate(names ...string) float64 {
	var n int
	var elapsed float64
	for _, name := range names {
		res := r.find(name)
		if res == nil {
			return 0
		}
		n += res.n
		elapsed += res.elapsed.Seconds()
	}
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / elapsed
}

// loadAverage is the machine's load average over 1, 5 and 15 minutes.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}
