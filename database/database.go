// Package database opens the ent client on SQLite or PostgreSQL from a DATABASE_URL.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "github.com/mattn/go-sqlite3"    // registers the "sqlite3" database/sql driver

	"latchkey/ent"
	_ "latchkey/ent/runtime" // the schema's defaults and hooks, such as the folded username
	"latchkey/migrations"
)

// DB is an open database: the ent client and the pool beneath it.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB // on SQLite the pool of reads: the client writes through a connection of its own
	Dialect string
}

// Options say which database to open and how to pool its connections.
type Options struct {
	URL URL // DATABASE_URL
	// The PostgreSQL pool (SQLite sizes its own). Zero means what it means to database/sql:
	// no limit on open connections, none kept idle, connections never replaced.
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// Timeout is the deadline of every statement and transaction sent through the client; zero
	// means none but the caller's context.
	Timeout time.Duration
	// WrapDriver, when set, wraps the driver beneath the ent client, e.g. to watch its statements.
	WrapDriver func(dialect.Driver) dialect.Driver
}

// Open connects to databaseURL ("sqlite:PATH" or "postgres://…") with a zero pool (see
// Options) and checks that it answers.
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	u, err := ParseURL(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	return OpenWith(ctx, Options{URL: u})
}

// OpenWith connects to opts.URL with opts' pool and checks that it answers.
func OpenWith(ctx context.Context, opts Options) (*DB, error) {
	// SQLite's wait for a lock ignores the context: it must not outlast the deadline.
	busy := 10 * time.Second
	if opts.Timeout > 0 {
		busy = opts.Timeout
	}
	drv, dial, dsn := opts.URL.driver(busy)
	if drv == "" {
		return nil, errors.New("database: no DATABASE_URL given")
	}
	var db *sql.DB
	var err error
	if dial == dialect.Postgres {
		db, err = openPostgres(dsn)
	} else {
		db, err = sql.Open(drv, dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if dial == dialect.SQLite {
		// Reads only: WAL lets them run beside the one writer, which has a pool of its own.
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		db.SetMaxOpenConns(opts.MaxOpenConns)
		db.SetMaxIdleConns(opts.MaxIdleConns)
		db.SetConnMaxLifetime(opts.ConnMaxLifetime)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	var entDriver dialect.Driver = entsql.OpenDB(dial, db)
	if dial == dialect.SQLite {
		if entDriver, err = newSQLiteDriver(ctx, dsn, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	entDriver = withDeadlines(entDriver, opts.Timeout)
	if opts.WrapDriver != nil {
		entDriver = opts.WrapDriver(entDriver)
	}
	client := ent.NewClient(ent.Driver(entDriver))
	return &DB{Client: client, SQL: db, Dialect: dial}, nil
}

// Migrate applies the pending versioned migrations and returns the versions it applied.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	applied, err := migrations.Up(ctx, d.SQL, d.Dialect)
	if err != nil {
		return applied, fmt.Errorf("migrate database: %w", err)
	}
	return applied, nil
}

// MigrationStatus tells which migrations the database has and which it lacks.
func (d *DB) MigrationStatus(ctx context.Context) (migrations.Status, error) {
	return migrations.StatusOf(ctx, d.SQL, d.Dialect)
}

// Close closes the client and its pools.
func (d *DB) Close() error { return d.Client.Close() }

// driver names the database/sql driver, the ent dialect and the DSN; "" for a zero URL. busy
// is how long a SQLite statement waits for another process's lock.
func (u URL) driver(busy time.Duration) (driver, dial, dsn string) {
	switch u.Dialect {
	case dialect.SQLite:
		return "sqlite3", dialect.SQLite, SQLiteDSN(u.Path, busy)
	case dialect.Postgres:
		return "pgx", dialect.Postgres, u.Raw
	}
	return "", "", ""
}

// SQLiteDSN is the connection string for the SQLite file at path, tuned for a server:
// foreign keys on (the database itself cascades deletes), WAL, a busy timeout so writers wait
// instead of failing, for at most busy, and BEGIN IMMEDIATE so a transaction that reads before it
// writes cannot fail half-way with SQLITE_BUSY.
func SQLiteDSN(path string, busy time.Duration) string {
	q := url.Values{}
	q.Set("_fk", "1")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", strconv.FormatInt(max(busy.Milliseconds(), 1), 10))
	q.Set("_txlock", "immediate")
	q.Set("_stmt_cache_size", "64") // per connection: the server sends a few dozen distinct statements
	return "file:" + path + "?" + q.Encode()
}

// Probe makes a round trip that writes, through the client as every request does: a database
// that answers reads but takes no writes (a full disk, a read-only failover) fails it.
func (d *DB) Probe(ctx context.Context) error {
	now := time.Now()
	n, err := d.Client.ReadinessProbe.Update().SetCheckedAt(now).Save(ctx)
	if err == nil && n == 0 {
		err = d.Client.ReadinessProbe.Create().SetCheckedAt(now).Exec(ctx)
	}
	return err
}
