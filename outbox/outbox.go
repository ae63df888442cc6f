// Package outbox is the mail queue runtime: it claims due rows of mail_outbox under a lease,
// hands each to a deliver function, retries failures with backoff, and sweeps undecided rows
// with a settle hook. It knows rows, not accounts: what a mail says, and whether it may go out,
// is the deliver function's business.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/predicate"
)

// Tunables that are not settings.
const (
	defaultPollInterval = time.Second
	defaultGiveUpAfter  = time.Hour
	defaultMaxBackoff   = 5 * time.Minute
	defaultDrainTimeout = 10 * time.Second
)

// Options tune the worker. Senders and Lease come from the settings and are required.
type Options struct {
	Senders      int           // mails sent at once (OUTBOX_SENDERS)
	Lease        time.Duration // how long a claimed mail stays a dead worker's before another takes it (OUTBOX_LEASE_SECONDS)
	PollInterval time.Duration // how often to look for due mail besides being woken; default 1 s
	GiveUpAfter  time.Duration // retries stop this long after the request; default 1 h
	MaxBackoff   time.Duration // longest wait between two tries; default 5 min
	DrainTimeout time.Duration // at shutdown, how long to go on sending due mail before abandoning sends in flight; default 10 s
}

// Hooks are what the package whose mail this is hands the outbox.
type Hooks struct {
	// Deliver sends m, or finds there is nothing to send; either way a nil error deletes the row.
	// An error with a method Skipped() bool that returns true says the mail's fate was decided
	// elsewhere (another worker got to the row or its account first): the row is released as it
	// was, neither logged nor counted as a failure. An error with Permanent() bool true gives up
	// at once; any other is retried with backoff. Deliver may update m to what it stored.
	Deliver func(ctx context.Context, m *ent.OutboxMail) error
	// Settle, when set, is handed the rows of SettleKind that are not accepted, due and
	// unclaimed, a batch at a time in id order, with their ID, Recipient and RequestedAt.
	Settle     func(ctx context.Context, rows []*ent.OutboxMail)
	SettleKind outboxmail.Kind
	// Observe, when set, is told of each try's outcome: "sent", "failed", then "retried",
	// "given_up" or "refused"; final says the row has left the outbox. m is as Deliver left it.
	Observe func(m *ent.OutboxMail, event string, final bool)
	// Now is the rules' clock, default time.Now. Leases and due times never trust a host's clock:
	// they run on the database's, and Now only moves them on by however far it runs ahead of
	// the host's clock, as tests move it.
	Now func() time.Time
	Log *slog.Logger // default slog.Default()
}

// Outbox is the queue of one process; several processes may share its table.
type Outbox struct {
	db    *ent.Client
	opts  Options
	hooks Hooks
	log   *slog.Logger
	wake  chan struct{}
	batch batch
	clock dbClock
	relay relayState

	progress progress
}

// New returns an outbox on db. Call Run to have its mail sent.
func New(db *ent.Client, opts Options, h Hooks) (*Outbox, error) {
	if opts.Senders <= 0 || opts.Lease <= 0 {
		return nil, errors.New("outbox: Senders and Lease are required")
	}
	if h.Deliver == nil {
		return nil, errors.New("outbox: a Deliver function is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.PollInterval, defaultPollInterval)
	def(&opts.GiveUpAfter, defaultGiveUpAfter)
	def(&opts.MaxBackoff, defaultMaxBackoff)
	def(&opts.DrainTimeout, defaultDrainTimeout)
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.Observe == nil {
		h.Observe = func(*ent.OutboxMail, string, bool) {}
	}
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	o := &Outbox{db: db, opts: opts, hooks: h, log: log, wake: make(chan struct{}, 1)}
	o.clock.rules, o.clock.host = h.Now, time.Now
	return o, nil
}

// now is the database's time, as last read and moved on since.
func (o *Outbox) now() time.Time { return o.clock.now() }

// Add inserts a row, together with those other callers add meanwhile, and returns once it is
// committed or has failed. The row is due at once by the database's clock as the worker last
// read it, whatever create says: a host whose clock is ahead would have it wait. Reading the
// clock here would make the first request unlike the others. It does not wake the worker.
func (o *Outbox) Add(ctx context.Context, create *ent.OutboxMailCreate) error {
	create.SetNextAttemptAt(o.now())
	return o.batch.insert(ctx, o.db, create)
}

// Wake has the worker look for due mail now rather than at its next poll.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Unclaimed matches the rows no sender holds now: those another writer may still change.
func (o *Outbox) Unclaimed() predicate.OutboxMail { return unclaimed(o.now()) }

func unclaimed(now time.Time) predicate.OutboxMail {
	return outboxmail.Or(outboxmail.LockedUntilIsNil(), outboxmail.LockedUntilLT(now))
}

// Run sends queued mail, and sweeps undecided rows with Settle, until ctx ends. Then it stops
// sweeping and drains: for at most DrainTimeout it goes on claiming due mail as senders free
// up, stopping at the first look that finds fewer due mails than free senders, and waits for
// the sends in flight. Those still in flight at DrainTimeout are abandoned (their context
// ends) and Run returns: an abandoned mail keeps its lease and is sent once the lease runs
// out, by another server or this one restarted. On a ctx that is already done it only drains.
// A crash loses nothing either: unsent mail stays in the table.
func (o *Outbox) Run(ctx context.Context) {
	work, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	w := &worker{o: o, work: work, slots: make(chan struct{}, o.opts.Senders), sending: map[int]bool{}}
	tick := time.NewTicker(o.opts.PollInterval)
	defer tick.Stop()
	var sw sweeper
	for ctx.Err() == nil {
		if o.hooks.Settle != nil {
			sw.sweep(ctx, o)
			w.swept = sw.newest
		} else {
			w.swept = math.MaxInt
		}
		w.start(ctx)
		select {
		case <-ctx.Done():
		case <-o.wake:
		case <-tick.C:
		}
	}
	w.drain(o.opts.DrainTimeout, abandon)
}
