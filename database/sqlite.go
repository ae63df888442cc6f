package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/mattn/go-sqlite3"
)

// sqliteDriver sends every transaction and every statement that writes to a pool of a single
// connection, and other reads to the shared pool. SQLite lets one connection write at a time;
// writers that contend inside SQLite wait in its busy handler, which sleeps 1, 2, 5, 10 … ms
// between tries and so turns a few microseconds of queueing into milliseconds of latency. Queued
// here, in Go, the next writer starts the moment the last one finishes, and the server's own
// writers never meet SQLITE_BUSY, however many there are. busy_timeout still covers other
// processes (an operator's sqlite3 shell, `server createuser`).
//
// Checkpoints, which copy the write-ahead log back into the database file and fsync both, run
// in the background on a read connection instead of inside whichever commit crosses SQLite's
// 1000-page mark: that commit would hold the write lock through two fsyncs, and under a steady
// stream of small writes that happened many times a second, each time stalling every writer.
//
// A caller must not write through the client while it holds a transaction of its own on the
// same goroutine: the second writer would wait for the first, which waits for it.
type sqliteDriver struct {
	*entsql.Driver                // reads
	writer         *entsql.Driver // one connection
	stop           context.CancelFunc
	stopped        chan struct{}
}

const (
	checkpointEvery = 250 * time.Millisecond
	// writerCheckpointPages is the writer's own checkpoint threshold, a safety net should the
	// background checkpoints fall behind: 20 000 pages of 4 KiB are 80 MiB of log.
	writerCheckpointPages = 20000
)

// writerConnector opens writer connections with the automatic checkpoint moved out of the way.
type writerConnector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c writerConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c writerConnector) Driver() driver.Driver                        { return c.drv }

func newSQLiteDriver(ctx context.Context, dsn string, reads *sql.DB) (*sqliteDriver, error) {
	w := sql.OpenDB(writerConnector{dsn: dsn, drv: &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", writerCheckpointPages), nil)
			return err
		},
	}})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0) // keep it: a new connection re-reads the schema
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := w.PingContext(pingCtx); err != nil {
		w.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	bg, stop := context.WithCancel(context.Background())
	d := &sqliteDriver{
		Driver:  entsql.OpenDB(dialect.SQLite, reads),
		writer:  entsql.OpenDB(dialect.SQLite, w),
		stop:    stop,
		stopped: make(chan struct{}),
	}
	go d.checkpoint(bg, reads)
	return d, nil
}

// checkpoint copies the log into the database file every checkpointEvery until ctx ends. PASSIVE
// never waits for readers or writers: what it cannot copy yet, the next round copies.
func (d *sqliteDriver) checkpoint(ctx context.Context, reads *sql.DB) {
	defer close(d.stopped)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, _ = reads.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// Exec runs statements that do not return rows: all of ent's are writes.
func (d *sqliteDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.writer.Exec(ctx, query, args, v)
}

// Query runs reads on the shared pool and INSERT … RETURNING and the like on the writer.
func (d *sqliteDriver) Query(ctx context.Context, query string, args, v any) error {
	if writes(query) {
		return d.writer.Query(ctx, query, args, v)
	}
	return d.Driver.Query(ctx, query, args, v)
}

// Tx starts a transaction on the writer: with _txlock=immediate every transaction takes the
// write lock at BEGIN anyway.
func (d *sqliteDriver) Tx(ctx context.Context) (dialect.Tx, error) { return d.writer.Tx(ctx) }

// BeginTx is Tx with options.
func (d *sqliteDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	return d.writer.BeginTx(ctx, opts)
}

// Close stops the checkpoints and closes both pools.
func (d *sqliteDriver) Close() error {
	d.stop()
	<-d.stopped
	return errors.Join(d.writer.Close(), d.Driver.Close())
}

func writes(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE", "REPLAC":
		return true
	}
	return false
}
