package pgnotify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The backoff between failed connection attempts: doubled each time, from first up to last.
const (
	firstBackoff = 50 * time.Millisecond
	lastBackoff  = 5 * time.Second
)

// run owns the connection: it serves it until it fails, then dials again until ctx ends.
func (w *Watcher) run(ctx context.Context, conn *pgconn.PgConn) {
	defer close(w.done)
	defer w.proof.Store(0)
	failures := 0
	for {
		if conn != nil {
			err := w.serve(ctx, conn)
			closeConn(conn)
			if ctx.Err() != nil {
				return
			}
			// Notifications sent until the next LISTEN are lost: trust returns through OnGap.
			w.proof.Store(0)
			w.lost(0, "the listening connection failed: "+err.Error())
			failures = 0
		}
		if !sleep(ctx, backoff(failures)) {
			return
		}
		var err error
		if conn, err = w.connect(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			w.opts.Logger.Debug("pgnotify: no listening connection yet", "channel", w.channel, "err", err)
		}
	}
}

// connect dials and listens, within Timeout.
func (w *Watcher) connect(ctx context.Context) (*pgconn.PgConn, error) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	conn, err := pgconn.ConnectConfig(ctx, w.cfg)
	if err != nil {
		return nil, fmt.Errorf("pgnotify: connect: %w", err)
	}
	if err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{w.channel}.Sanitize()).Close(); err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("pgnotify: listen: %w", err)
	}
	return conn, nil
}

// serve pings conn every Interval and waits for notifications in between. PostgreSQL sends
// every notification committed before a command ran ahead of the command's result, so a ping
// sent at t proves all those committed before t have been heard.
func (w *Watcher) serve(ctx context.Context, conn *pgconn.PgConn) error {
	for {
		sent := w.now()
		if err := w.ping(ctx, conn); err != nil {
			return fmt.Errorf("ping: %w", err)
		}
		w.prove(sent)
		next := w.base.Add(time.Duration(sent) + w.opts.Interval)
		if err := w.wait(ctx, conn, next); err != nil {
			return fmt.Errorf("wait for notifications: %w", err)
		}
	}
}

// ping makes one round trip within Timeout; if the current proof expires meanwhile, the
// lapse is logged then, not when the ping gives up.
func (w *Watcher) ping(ctx context.Context, conn *pgconn.PgConn) error {
	if p := w.proof.Load(); p != 0 {
		expires := time.Duration(p-w.now()) + w.opts.Staleness
		why := fmt.Sprintf("no ping sent in the last %v has been answered", w.opts.Staleness)
		t := time.AfterFunc(expires, func() { w.lost(p, why) })
		defer t.Stop()
	}
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	return conn.Ping(ctx)
}

// wait passes on notifications until the deadline, when it is time to ping again.
func (w *Watcher) wait(ctx context.Context, conn *pgconn.PgConn, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for {
		err := conn.WaitForNotification(ctx)
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !conn.IsClosed() {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// closeConn says goodbye to the server without waiting on one that does not answer.
func closeConn(conn *pgconn.PgConn) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = conn.Close(ctx)
}

func backoff(failures int) time.Duration {
	d := min(firstBackoff<<min(failures, 10), lastBackoff)
	return d/2 + rand.N(d/2+1) // jittered, so replicas do not dial in step
}

// sleep waits d unless ctx ends first, and reports whether it did not.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
