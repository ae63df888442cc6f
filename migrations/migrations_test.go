package migrations_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	"latchkey/app/apptest"
	"latchkey/ent"
	"latchkey/migrations"
)

func TestMigrationsBuildTheEntSchema(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_fk=1&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		checkMigrations(t, db, dialect.SQLite)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		db := freshPostgres(t)
		checkMigrations(t, db, dialect.Postgres)
	})
}

func checkMigrations(t *testing.T, db *sql.DB, dial string) {
	t.Helper()
	ctx := context.Background()
	dir, err := migrations.Dir(dial)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := dir.Files()

	applied, err := migrations.Up(ctx, db, dial)
	if err != nil {
		t.Fatalf("up on an empty database: %v", err)
	}
	if len(applied) != len(files) {
		t.Fatalf("applied %v, want all %d files", applied, len(files))
	}
	again, err := migrations.Up(ctx, db, dial)
	if err != nil || len(again) != 0 {
		t.Fatalf("second up applied %v (err %v), want nothing", again, err)
	}
	st, err := migrations.StatusOf(ctx, db, dial)
	if err != nil || len(st.Pending) != 0 || st.Current() != applied[len(applied)-1] {
		t.Fatalf("status %+v (err %v)", st, err)
	}

	// What ent's auto-migration would still change is what the migrations miss.
	var plan bytes.Buffer
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dial, db)))
	if err := client.Schema.WriteTo(ctx, &plan); err != nil {
		t.Fatal(err)
	}
	if changes := strings.TrimSpace(strings.NewReplacer("BEGIN;", "", "COMMIT;", "", "PRAGMA foreign_keys = off;", "", "PRAGMA foreign_keys = on;", "").Replace(plan.String())); changes != "" {
		t.Fatalf("the migrations do not match ent/schema; run go run ./cmd/migrategen NAME. Missing:\n%s", changes)
	}
}

// freshPostgres opens a new, empty database on TEST_DATABASE_URL's server, dropped after the test.
func freshPostgres(t *testing.T) *sql.DB {
	t.Helper()
	if apptest.PostgresURL() == "" {
		t.Skip("TEST_DATABASE_URL is not set: PostgreSQL is tested in the second run of .ci/run")
	}
	db, err := sql.Open("pgx", apptest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
