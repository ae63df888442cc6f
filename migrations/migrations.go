// Package migrations holds the versioned schema migrations, one directory per dialect (written
// by cmd/migrategen from ent/schema), and applies them with Atlas's migration executor.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	atlaspg "ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	atlassqlite "ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"
)

//go:embed sqlite postgres
var files embed.FS

// Dir returns the migration directory of a dialect ("sqlite3" or "postgres").
func Dir(dial string) (atlasmigrate.Dir, error) {
	name, err := dirName(dial)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(files, name)
	if err != nil {
		return nil, err
	}
	dir := &atlasmigrate.MemDir{}
	for _, e := range entries {
		b, err := fs.ReadFile(files, path.Join(name, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	if err := atlasmigrate.Validate(dir); err != nil {
		return nil, fmt.Errorf("migrations/%s: %w", name, err)
	}
	return dir, nil
}

func dirName(dial string) (string, error) {
	switch dial {
	case dialect.SQLite:
		return "sqlite", nil
	case dialect.Postgres:
		return "postgres", nil
	}
	return "", fmt.Errorf("migrations: no migrations for dialect %q", dial)
}

// Status is where a database stands against the migration directory.
type Status struct {
	Applied []string // versions applied, oldest first
	Pending []string // versions not yet applied, in order
}

// Current is the newest applied version, or "" for an empty database.
func (s Status) Current() string {
	if len(s.Applied) == 0 {
		return ""
	}
	return s.Applied[len(s.Applied)-1]
}

// StatusOf reads the migration history of db.
func StatusOf(ctx context.Context, db *sql.DB, dial string) (Status, error) {
	var st Status
	err := inTx(ctx, db, dial, func(ex *atlasmigrate.Executor, rrw *revisions) error {
		revs, err := rrw.ReadRevisions(ctx)
		if err != nil {
			return err
		}
		for _, r := range revs {
			st.Applied = append(st.Applied, r.Version)
		}
		pending, err := ex.Pending(ctx)
		if errors.Is(err, atlasmigrate.ErrNoPendingFiles) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, f := range pending {
			st.Pending = append(st.Pending, f.Version())
		}
		return nil
	})
	return st, err
}

// Up applies every pending migration, each file in its own transaction, and returns the
// versions it applied. Applying to an up-to-date database does nothing.
func Up(ctx context.Context, db *sql.DB, dial string) ([]string, error) {
	return upTo(ctx, db, dial, "")
}

// upTo is Up that stops after version last ("": after the newest), so that tests can build
// the database an older release left behind.
func upTo(ctx context.Context, db *sql.DB, dial, last string) ([]string, error) {
	unlock, err := lock(ctx, db, dial)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var applied []string
	for {
		var version string
		err := inTx(ctx, db, dial, func(ex *atlasmigrate.Executor, _ *revisions) error {
			pending, err := ex.Pending(ctx)
			if err != nil {
				return err
			}
			version = pending[0].Version()
			return ex.Execute(ctx, pending[0])
		})
		if errors.Is(err, atlasmigrate.ErrNoPendingFiles) {
			return applied, nil
		}
		if err != nil {
			return applied, fmt.Errorf("apply migration %s: %w", version, err)
		}
		applied = append(applied, version)
		if version == last {
			return applied, nil
		}
	}
}

// inTx runs fn with an executor whose every statement, revision rows included, goes through
// one transaction, so a migration is applied whole or not at all.
func inTx(ctx context.Context, db *sql.DB, dial string, fn func(*atlasmigrate.Executor, *revisions) error) error {
	dir, err := Dir(dial)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	drv, err := openDriver(dial, tx)
	if err != nil {
		return err
	}
	rrw := &revisions{tx: tx, dialect: dial}
	if err := rrw.init(ctx); err != nil {
		return err
	}
	ex, err := atlasmigrate.NewExecutor(drv, dir, rrw)
	if err != nil {
		return err
	}
	if err := fn(ex, rrw); err != nil {
		return err
	}
	return tx.Commit()
}

func openDriver(dial string, conn schema.ExecQuerier) (atlasmigrate.Driver, error) {
	if dial == dialect.Postgres {
		return atlaspg.Open(conn)
	}
	return atlassqlite.Open(conn)
}

// lock keeps two replicas that start at once from migrating together (PostgreSQL); SQLite
// serialises writers by itself.
func lock(ctx context.Context, db *sql.DB, dial string) (func(), error) {
	if dial != dialect.Postgres {
		return func() {}, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	const key = 0x4c61_7463_686b // "Latchk"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		conn.Close()
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)
		conn.Close()
	}, nil
}
