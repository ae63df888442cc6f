package apptest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver, as an operator's own tools would use it

	"latchkey/ent/migrate"
)

// PostgresURL is TEST_DATABASE_URL, the PostgreSQL server the suite also runs against when it is
// set. Without it the suite runs on SQLite and the tests that need PostgreSQL skip, even under
// CI=true: .ci/run runs the suite once without it on purpose, then again with it.
func PostgresURL() string { return os.Getenv("TEST_DATABASE_URL") }

// FreshDatabase returns the URL of a new, empty database for one test: a SQLite file, or a
// PostgreSQL database created for it (and dropped after it) when TEST_DATABASE_URL is set.
func FreshDatabase(tb testing.TB) string {
	tb.Helper()
	base := PostgresURL()
	if base == "" {
		return "sqlite:" + filepath.Join(tb.TempDir(), "latchkey.db")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	name := "latchkey_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		admin.Close()
		tb.Fatalf("PostgreSQL at TEST_DATABASE_URL does not answer: %v", err)
	}
	// Registered before the Env's own cleanup, so it runs after the server has stopped.
	tb.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Dialect is the database the server runs on: dialect.SQLite or dialect.Postgres.
func (e *Env) Dialect() string { return e.App.DB.Dialect }

// OpenDB opens the server's database with a pool of its own, the way an operator's SQL client
// would (on SQLite with foreign keys on, which SQLite sets per connection). Queries may use ?
// placeholders on either database. It closes when the test ends.
func (e *Env) OpenDB(tb testing.TB) *sql.DB {
	tb.Helper()
	var db *sql.DB
	var err error
	if e.DBPath != "" {
		db, err = sql.Open("sqlite3", "file:"+e.DBPath+"?_fk=1&_busy_timeout=10000")
	} else {
		db, err = sql.Open(qmarkDriverName, e.DatabaseURL)
	}
	if err != nil {
		tb.Fatalf("open the database: %v", err)
	}
	if err := db.Ping(); err != nil {
		tb.Fatalf("open the database: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// DBFiles returns everything the database holds, as bytes to search: on SQLite the raw file and
// its write-ahead log, where any value ever written, even one deleted since, can still be found;
// on PostgreSQL every row of every table of ours, as JSON.
func (e *Env) DBFiles(tb testing.TB) []byte {
	tb.Helper()
	if e.Dialect() == dialect.Postgres {
		return e.dumpRows(tb)
	}
	var all []byte
	for _, name := range []string{e.DBPath, e.DBPath + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			tb.Fatalf("read %s: %v", name, err)
		}
		all = append(all, b...)
	}
	return all
}

func (e *Env) dumpRows(tb testing.TB) []byte {
	tb.Helper()
	db := e.OpenDB(tb)
	var all []byte
	for _, table := range migrate.Tables {
		rows, err := db.Query(`SELECT row_to_json(t)::text FROM ` + table.Name + ` t`)
		if err != nil {
			tb.Fatalf("dump %s: %v", table.Name, err)
		}
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				tb.Fatal(err)
			}
			all = append(all, row...)
		}
		rows.Close()
	}
	return all
}
