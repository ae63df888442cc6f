package database

import (
	"database/sql"
	"errors"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgKeepAlive probes a PostgreSQL connection after 5 s of silence, and closes it when three
// probes 5 s apart go unanswered: a connection whose peer vanished (a host gone, a NAT entry or
// a pooler dropped) is then gone within 20 s, not the system's two hours. A peer that answers
// probes but not queries is caught by the deadline of each call instead.
var pgKeepAlive = net.KeepAliveConfig{Enable: true, Idle: 5 * time.Second, Interval: 5 * time.Second, Count: 3}

// openPostgres is sql.Open("pgx", dsn) with the keepalive on pgx's dialer. pgconn closes a
// connection whose call's context ended, and database/sql then leaves it out of the pool.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := PostgresConfig(dsn)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cfg), nil
}

// PostgresConfig parses a PostgreSQL connection string into pgx's configuration with the
// keepalive on its dialer, for a connection kept beside the pool (a LISTEN).
func PostgresConfig(dsn string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes the URL, password and all.
		return nil, errors.New("DATABASE_URL is not a valid PostgreSQL connection string")
	}
	dialer := &net.Dialer{KeepAliveConfig: pgKeepAlive}
	cfg.DialFunc = dialer.DialContext
	return cfg, nil
}
