package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// sqliteDriver sends every transaction and every statement that writes to a pool of a single
// connection, and other reads to the shared pool. SQLite lets one connection write at a time;
// writers that contend inside SQLite wait in its busy handler, which sleeps 1, 2, 5, 10 … ms
// between tries and so turns a few microseconds of queueing into milliseconds of latency. Queued
// here, in Go, the next writer starts the moment the last one finishes, and the server's own
// writers never meet SQLITE_BUSY, however many there are. busy_timeout still covers other
// processes (an operator's sqlite3 shell, `server createuser`).
//
// A caller must not write through the client while it holds a transaction of its own on the
// same goroutine: the second writer would wait for the first, which waits for it.
type sqliteDriver struct {
	*entsql.Driver                // reads
	writer         *entsql.Driver // one connection
}

func newSQLiteDriver(ctx context.Context, dsn string, reads *sql.DB) (*sqliteDriver, error) {
	w, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0) // keep it: a new connection re-reads the schema
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := w.PingContext(pingCtx); err != nil {
		w.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &sqliteDriver{Driver: entsql.OpenDB(dialect.SQLite, reads), writer: entsql.OpenDB(dialect.SQLite, w)}, nil
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

// Close closes both pools.
func (d *sqliteDriver) Close() error { return errors.Join(d.writer.Close(), d.Driver.Close()) }

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
