package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"latchkey/email/emailtest"
)

// Targets of the mail throughput phase.
const (
	mailRateTarget = 60.0             // mails a second
	mailTimeTarget = 20 * time.Second // for 1 000 mails
)

// mailRun is what the mail throughput phase measured: a reset mail asked for each of n accounts
// at once, through a mail server that takes delay to accept each message.
type mailRun struct {
	n      int
	delay  time.Duration
	failed int           // forgotPassword requests that did not succeed
	queued time.Duration // from the first request to the last answer
	last   time.Duration // from the first request to the n-th mail's arrival
}

func (m *mailRun) rate() float64 { return float64(m.n) / m.last.Seconds() }

// measureMail runs the mail throughput phase on a server of its own, with its own database
// seeded with o.mails accounts and every setting at its default (OUTBOX_SENDERS included).
func measureMail(ctx context.Context, o options, bin, dir string, logf func(string, ...any)) (*mailRun, error) {
	dbPath := filepath.Join(dir, "mail.db")
	logf("mail throughput: seeding %d accounts", o.mails)
	if err := seedUsers(ctx, "sqlite:"+dbPath, o.mails); err != nil {
		return nil, err
	}
	relay, err := emailtest.StartServer(emailtest.Options{Delay: o.mailDelay})
	if err != nil {
		return nil, err
	}
	defer relay.Close()
	srv, err := startServer(ctx, bin, dir, serverEnv("sqlite:"+dbPath, relay, false), "server-mail.log")
	if err != nil {
		return nil, err
	}
	defer srv.kill()
	l := newLoader(srv)
	bodies := forgotBodies(o.mails, userEmail)
	logf("mail throughput: %d reset mails through an SMTP server that takes %v per mail", o.mails, o.mailDelay)
	m := &mailRun{n: o.mails, delay: o.mailDelay}
	start := time.Now()
	m.failed = l.sendAll(ctx, bodies, o.c)
	m.queued = time.Since(start)
	wait, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if _, err := relay.WaitContext(wait, o.mails); err != nil {
		return m, fmt.Errorf("mail throughput: %d of %d mails arrived: %w", relay.Count(), o.mails, err)
	}
	m.last = time.Since(start)
	return m, srv.stop()
}

// sendAll posts every body once, c at a time, and returns how many did not succeed.
func (l *loader) sendAll(ctx context.Context, bodies [][]byte, c int) (failed int) {
	var next atomic.Int64
	var bad atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			var buf bytes.Buffer
			for i := next.Add(1) - 1; i < int64(len(bodies)) && ctx.Err() == nil; i = next.Add(1) - 1 {
				if l.send(ctx, jsonHeader(), bodies[i], &buf, []byte(`"forgotPassword":{`)) != "" {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(bad.Load())
}

// print prints the mail throughput phase's figures.
func (m *mailRun) print(w io.Writer) {
	fmt.Fprintf(w, "- mail throughput: %d reset mails asked for at once (%d failed requests, all answered after %v), through an SMTP server that takes %v per mail, OUTBOX_SENDERS at its default: the %dth arrived after **%v**, **%.1f mails/s**\n",
		m.n, m.failed, m.queued.Round(time.Millisecond), m.delay, m.n, m.last.Round(10*time.Millisecond), m.rate())
}

func (m *mailRun) target() (target, measured string, met bool) {
	return fmt.Sprintf("mail through a relay taking %v a mail: ≥ %.0f mails/s, %d mails in < %v", m.delay, mailRateTarget, m.n, mailTimeTarget),
		fmt.Sprintf("%.1f mails/s, the %dth after %v", m.rate(), m.n, m.last.Round(10*time.Millisecond)),
		m.failed == 0 && m.rate() >= mailRateTarget && m.last < mailTimeTarget
}

// printMailOnly is the report of a run of the mail throughput phase alone (-only-mail).
func (r *report) printMailOnly(w io.Writer) {
	fmt.Fprintf(w, "## Latchkey mail throughput, %s\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- machine: %s, %d CPUs, GOMAXPROCS %d, %s %s/%s; load generator, server and SMTP server on the same cores\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- command: `go run ./cmd/loadtest %s`\n", strings.Join(flagsUsed(r.o), " "))
	if r.mail != nil {
		r.mail.print(w)
		target, measured, met := r.mail.target()
		verdict := "met"
		if !met {
			verdict = "**missed**"
		}
		fmt.Fprintf(w, "\n| target | measured | verdict |\n|---|---|---|\n| %s | %s | %s |\n", target, measured, verdict)
	}
}
