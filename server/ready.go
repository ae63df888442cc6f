package server

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Check is one thing readiness depends on: nil while it is fine, else why it is not.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// Probe timing: a dependency that stops answering shows within probeInterval + probeTimeout,
// and one that answers again within about probeInterval, both under the 5 s a load balancer
// is promised.
const (
	probeInterval = time.Second
	probeTimeout  = 3 * time.Second
)

// Readiness is what /readyz answers, decided by a goroutine of its own that runs every check
// each probeInterval, so that a flood of /readyz costs the database nothing.
type Readiness struct {
	checks  []Check
	log     *slog.Logger
	problem atomic.Pointer[string] // nil while ready
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

// StartReadiness starts the prober, ready until a check says otherwise; Stop ends it.
func StartReadiness(log *slog.Logger, checks ...Check) *Readiness {
	ctx, stop := context.WithCancel(context.Background())
	r := &Readiness{checks: checks, log: log, stop: stop}
	r.wg.Go(func() { r.run(ctx) })
	return r
}

// Stop ends the prober and waits for it.
func (r *Readiness) Stop() {
	r.stop()
	r.wg.Wait()
}

// Ready reports whether every check passed last time, and if not, what failed.
func (r *Readiness) Ready() (ok bool, problem string) {
	if p := r.problem.Load(); p != nil {
		return false, *p
	}
	return true, ""
}

func (r *Readiness) run(ctx context.Context) {
	t := time.NewTicker(probeInterval)
	defer t.Stop()
	for {
		r.probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probe runs the checks and logs a change of state, once: WARN with the reason when it turns
// unready, INFO when it is ready again.
func (r *Readiness) probe(ctx context.Context) {
	problem := ""
	for _, c := range r.checks {
		cctx, cancel := context.WithTimeout(ctx, probeTimeout)
		err := c.Run(cctx)
		cancel()
		if ctx.Err() != nil {
			return // stopping: the failure is ours
		}
		if err != nil {
			problem = c.Name + ": " + err.Error()
			break
		}
	}
	was := r.problem.Load()
	switch {
	case problem != "" && was == nil:
		r.log.Warn("readiness: not ready", "reason", problem)
	case problem == "" && was != nil:
		r.log.Info("readiness: ready again", "was", *was)
	}
	if problem == "" {
		r.problem.Store(nil)
	} else {
		r.problem.Store(&problem)
	}
}
