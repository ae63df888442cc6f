package apptest

import (
	"database/sql"
	"os"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver, as an operator's own tools would use it
)

// OpenDB opens the server's SQLite file with a pool of its own, the way an operator's SQL client
// would, with foreign keys on (SQLite turns them on per connection). It closes when the test ends.
func (e *Env) OpenDB(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+e.DBPath+"?_fk=1&_busy_timeout=10000")
	if err != nil {
		tb.Fatalf("open %s: %v", e.DBPath, err)
	}
	if err := db.Ping(); err != nil {
		tb.Fatalf("open %s: %v", e.DBPath, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// DBFiles returns the raw bytes of the SQLite file and its write-ahead log, where any value
// ever written, even one deleted since, can still be found.
func (e *Env) DBFiles(tb testing.TB) []byte {
	tb.Helper()
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
