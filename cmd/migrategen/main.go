// Command migrategen writes a new versioned migration for each dialect when the ent schema has
// changed: it replays the committed migrations on an empty development database, compares the
// result with ent/schema and writes the difference as the next file (Atlas format, with
// atlas.sum). Run it after changing ent/schema, then commit the new files:
//
//	go run ./cmd/migrategen add_something
//
// PostgreSQL needs a server to replay on: DEV_DATABASE_URL (default: the local server as user
// postgres); a throw-away database is created there and dropped afterwards.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	"latchkey/ent/migrate"
)

func main() {
	if len(os.Args) != 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintln(os.Stderr, "usage: go run ./cmd/migrategen NAME")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "migrategen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, name string) error {
	tmp, err := os.MkdirTemp("", "migrategen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sqlite, err := sql.Open("sqlite3", "file:"+filepath.Join(tmp, "dev.db")+"?_fk=1")
	if err != nil {
		return err
	}
	defer sqlite.Close()
	if err := diff(ctx, sqlite, dialect.SQLite, "migrations/sqlite", name); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	pg, drop, err := devPostgres(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer drop()
	if err := diff(ctx, pg, dialect.Postgres, "migrations/postgres", name); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

func diff(ctx context.Context, db *sql.DB, dial, dirPath, name string) error {
	dir, err := atlasmigrate.NewLocalDir(dirPath)
	if err != nil {
		return err
	}
	m, err := schema.NewMigrate(entsql.OpenDB(dial, db),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dial),
		schema.WithFormatter(atlasmigrate.DefaultFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return err
	}
	before, _ := dir.Files()
	if err := m.NamedDiff(ctx, name, migrate.Tables...); err != nil {
		return err
	}
	after, _ := dir.Files()
	if len(after) == len(before) {
		fmt.Printf("%s: no changes\n", dirPath)
	} else {
		fmt.Printf("%s: wrote %s\n", dirPath, after[len(after)-1].Name())
	}
	return nil
}

// devPostgres creates a throw-away database on the development server.
func devPostgres(ctx context.Context) (*sql.DB, func(), error) {
	base := os.Getenv("DEV_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return nil, nil, err
	}
	name := "latchkey_migrategen_" + strings.ToLower(rand.Text()[:10])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("create development database (set DEV_DATABASE_URL): %w", err)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	drop := func() {
		if db != nil {
			db.Close()
		}
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	if err != nil {
		drop()
		return nil, nil, err
	}
	return db, drop, nil
}
