// Package pgnotify keeps a PostgreSQL LISTEN connection and says when what it has heard may be
// trusted: a cache invalidated by its notifications is current only while the connection is
// proven alive, by round trips sent at most Options.Staleness ago.
//
// Writers call Notify inside the transaction of the change; readers use the cache only while
// Trusted, and read the database otherwise. OnGap empties the cache: an entry being filled from
// a read that began before it must not land after it (a generation counter does it).
package pgnotify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"latchkey/database"
)

// Options tune a Watcher; the zero value of each field means its default.
type Options struct {
	// OnNotify is called with each notification's payload, in the order PostgreSQL sent them,
	// from the Watcher's goroutine: it should return quickly, pings wait for it.
	OnNotify func(payload string)
	// OnGap is called each time trust is about to be regained after a lapse, the first time
	// included, before Trusted can return true: notifications may have been missed, and
	// anything kept on their word is to be dropped here.
	OnGap func()
	// Staleness is how long ago the latest proving round trip may have been sent for Trusted
	// to hold; default 500 ms.
	Staleness time.Duration
	// Interval is the time between pings; default 150 ms, and less than Staleness.
	Interval time.Duration
	// Timeout is how long a ping or a connection attempt may go unanswered before the
	// connection is dropped and dialled again; default 2 s.
	Timeout time.Duration
	// Logger takes one warning when trust is lost and one notice when it is regained.
	Logger *slog.Logger
}

// Watcher listens on one channel over a connection of its own, redialling when it fails.
type Watcher struct {
	opts    Options
	cfg     *pgconn.Config
	channel string
	base    time.Time // proofs are kept as durations since it: monotonic, and fit an atomic

	// proof is when the latest proving round trip was sent, in nanoseconds since base; zero
	// while trust has lapsed. Only the goroutine sets it non-zero, after OnGap if it was zero.
	proof atomic.Int64

	mu   sync.Mutex
	down bool // a lapse has been logged and not yet the regain

	stop context.CancelFunc
	done chan struct{}
}

// ApplicationName names the watcher's connection in pg_stat_activity.
const ApplicationName = "latchkey listener"

// Watch connects to dsn, listens on channel and keeps listening until Close. ctx bounds only
// the first connection, whose failure is returned; later ones are retried with a backoff.
func Watch(ctx context.Context, dsn, channel string, opts Options) (*Watcher, error) {
	if err := checkChannel(channel); err != nil {
		return nil, err
	}
	opts = withDefaults(opts)
	if opts.Interval >= opts.Staleness {
		return nil, errors.New("pgnotify: Interval must be shorter than Staleness")
	}
	cfg, err := database.PostgresConfig(dsn)
	if err != nil {
		return nil, err
	}
	w := &Watcher{opts: opts, cfg: &cfg.Config, channel: channel, base: time.Now(), down: true,
		done: make(chan struct{})}
	w.cfg.OnNotification = w.onNotification
	w.cfg.RuntimeParams["application_name"] = ApplicationName
	conn, err := w.connect(ctx)
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	w.stop = stop
	go w.run(runCtx, conn)
	return w, nil
}

func withDefaults(o Options) Options {
	if o.Staleness <= 0 {
		o.Staleness = 500 * time.Millisecond
	}
	if o.Interval <= 0 {
		o.Interval = min(150*time.Millisecond, o.Staleness/2)
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Trusted reports whether every notification committed more than Staleness ago has been
// passed to OnNotify. It is cheap enough for every request.
func (w *Watcher) Trusted() bool {
	for {
		p := w.proof.Load()
		if p == 0 {
			return false
		}
		if w.now()-p <= int64(w.opts.Staleness) {
			return true
		}
		// Zeroed, so that trust returns only through OnGap.
		if w.proof.CompareAndSwap(p, 0) {
			return false
		}
	}
}

// Close stops listening and closes the connection, without waiting on a silent server.
func (w *Watcher) Close() error {
	w.stop()
	<-w.done
	return nil
}

// now is the time since base, never zero.
func (w *Watcher) now() int64 { return max(int64(time.Since(w.base)), 1) }

// prove records a round trip sent at sent that succeeded; after a lapse it calls OnGap first.
func (w *Watcher) prove(sent int64) {
	old := w.proof.Load()
	if old != 0 && w.now()-old <= int64(w.opts.Staleness) && w.proof.CompareAndSwap(old, sent) {
		return
	}
	if w.now()-sent > int64(w.opts.Staleness) {
		return // a late answer proves too little: stay lapsed, no flush for nothing
	}
	w.proof.Store(0)
	w.lost(0, "no ping was answered in time")
	if w.opts.OnGap != nil {
		w.opts.OnGap()
	}
	w.proof.Store(sent)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down {
		w.down = false
		w.opts.Logger.Info("pgnotify: notifications are trusted", "channel", w.channel)
	}
}

// lost logs why the trust that the proof p gave has ended, once per lapse, unless a newer
// proof has replaced p. Ending it is Trusted's part, or the goroutine's.
func (w *Watcher) lost(p int64, why string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if q := w.proof.Load(); q != p && q != 0 {
		return
	}
	if !w.down {
		w.down = true
		w.opts.Logger.Warn("pgnotify: notifications are not trusted; callers should read the database",
			"channel", w.channel, "why", why)
	}
}

func (w *Watcher) onNotification(_ *pgconn.PgConn, n *pgconn.Notification) {
	if n.Channel == w.channel && w.opts.OnNotify != nil {
		w.opts.OnNotify(n.Payload)
	}
}

// checkChannel refuses what PostgreSQL would: a channel is an identifier of at most 63 bytes.
func checkChannel(channel string) error {
	if channel == "" || len(channel) > 63 {
		return fmt.Errorf("pgnotify: a channel name has 1 to 63 bytes, not %d", len(channel))
	}
	return nil
}
