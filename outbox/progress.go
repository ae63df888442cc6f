package outbox

import (
	"sync/atomic"
	"time"
)

// progress is when the worker last looked for due mail and got an answer. It looks whenever it
// has a free sender, at every poll and as each send ends, so a worker that is alive and not
// wedged behind its senders renews it every PollInterval.
type progress struct{ at atomic.Pointer[time.Time] } // nil until Run first looks

func (p *progress) mark() {
	now := time.Now() // the process's own clock, monotonic: only its own marks are compared
	p.at.Store(&now)
}

// Stalled reports whether the worker has run and made no progress for longer than the lease,
// the time a mail may stay claimed before another worker takes it. A worker that never ran (a
// test without one, a command) is not stalled.
func (o *Outbox) Stalled() bool {
	at := o.progress.at.Load()
	return at != nil && time.Since(*at) > o.opts.Lease
}
