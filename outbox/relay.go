package outbox

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Waits between two probes of a mail server that is down: short, since a probe is one
// connection attempt, and the mail that waits is due the moment one gets through.
const (
	probeFirst = 500 * time.Millisecond
	probeMax   = 2 * time.Second
)

// relayState is what the worker knows of the mail server. While it is down the worker claims
// nothing but one mail now and then, a probe, instead of every mail failing on its own and
// waiting out its own backoff; mail that failed meanwhile waits with no backoff of its own.
type relayState struct {
	mu      sync.Mutex
	down    bool
	since   time.Time // when it went down
	wait    time.Duration
	probeAt time.Time // when the next probe may start
	probing bool      // a probe is being claimed or sent
}

// relayDown reports whether Deliver says the mail server, not the mail, is at fault.
func relayDown(err error) bool {
	var r interface{ RelayDown() bool }
	return errors.As(err, &r) && r.RelayDown()
}

// claimable is how many of free senders may claim mail now: all of them while the mail server
// is up; while it is down, one once a probe is due, none otherwise. probe says that one is it.
func (r *relayState) claimable(free int, now time.Time) (n int, probe bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case !r.down:
		return free, false
	case r.probing || now.Before(r.probeAt) || free == 0:
		return 0, false
	}
	r.probing = true
	return 1, true
}

// unclaimed ends a probe that found no mail to send; the next round tries again.
func (r *relayState) unclaimed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.probing = false
}

// outcome records how a send went: the mail server answered it or not. It returns whether the
// server just went down or came back, and, back, how long it was down.
func (r *relayState) outcome(probe, answered bool, now time.Time) (wentDown, cameBack bool, downFor time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if probe {
		r.probing = false
	}
	switch {
	case answered && r.down:
		r.down = false
		return false, true, now.Sub(r.since)
	case !answered && !r.down:
		r.down, r.since, r.wait = true, now, probeFirst
		r.probeAt = now.Add(r.wait)
		return true, false, 0
	case !answered && probe:
		r.wait = min(2*r.wait, probeMax)
		r.probeAt = now.Add(r.wait)
	}
	return false, false, 0
}

// noteRelay tells the relay state how a send went, and logs the mail server going away (once,
// at WARN) and coming back (once, at INFO, with the mail waiting, which is due at once).
func (o *Outbox) noteRelay(ctx context.Context, probe bool, err error) {
	if ctx.Err() != nil || skipped(err) {
		if probe {
			o.relay.unclaimed() // abandoned or not sent: nothing learnt
		}
		return
	}
	wentDown, cameBack, downFor := o.relay.outcome(probe, !relayDown(err), time.Now())
	switch {
	case wentDown:
		o.log.WarnContext(ctx, "outbox: mail server unavailable: holding mail, probing it with one send at a time", "error", err)
	case cameBack:
		waiting, cerr := o.db.OutboxMail.Query().Count(ctx)
		if cerr != nil {
			waiting = -1
		}
		o.log.InfoContext(ctx, "outbox: mail server is back: sending the mail that waited", "waiting", waiting, "down_for", downFor.Round(time.Millisecond).String())
		o.Wake()
	}
}
