package migrations_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"

	"latchkey/migrations"
)

// TestUsernameKeyBackfill builds the database the first release left behind, with accounts in
// it, and migrates it up: every username gets its folded key, and nothing else is lost.
func TestUsernameKeyBackfill(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { checkBackfill(t, openSQLite(t), dialect.SQLite) })
	t.Run("PostgreSQL", func(t *testing.T) { checkBackfill(t, freshPostgres(t), dialect.Postgres) })
}

// TestUsernameKeyBackfillRefusesCaseTwins: two usernames that differ only in case (which a race
// could create before) stop the migration, which leaves the database as it was.
func TestUsernameKeyBackfillRefusesCaseTwins(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { checkCaseTwins(t, openSQLite(t), dialect.SQLite) })
	t.Run("PostgreSQL", func(t *testing.T) { checkCaseTwins(t, freshPostgres(t), dialect.Postgres) })
}

func checkBackfill(t *testing.T, db *sql.DB, dial string) {
	ctx := context.Background()
	initial := migrateToInitial(t, db, dial)
	insertUser(t, db, "Alice", "alice@example.com")
	insertUser(t, db, "BOB_smith.2", "bob@example.com")
	exec(t, db, `INSERT INTO password_reset_tokens (token_hash, expires_at, created_at, user_id)
		SELECT 'ab12', '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', id FROM users WHERE username = 'Alice'`)

	if _, err := migrations.Up(ctx, db, dial); err != nil {
		t.Fatalf("up from %s: %v", initial, err)
	}
	for username, want := range map[string]string{"Alice": "alice", "BOB_smith.2": "bob_smith.2"} {
		var key string
		if err := db.QueryRow(`SELECT username_key FROM users WHERE username = '` + username + `'`).Scan(&key); err != nil || key != want {
			t.Errorf("username_key of %s = %q (err %v), want %q", username, key, err, want)
		}
	}
	var tokens int
	if err := db.QueryRow(`SELECT COUNT(*) FROM password_reset_tokens t JOIN users u ON u.id = t.user_id WHERE u.username = 'Alice'`).Scan(&tokens); err != nil || tokens != 1 {
		t.Errorf("Alice has %d reset tokens after the migration (err %v), want the 1 she had", tokens, err)
	}
	_, err := db.Exec(`INSERT INTO users (username, username_key, email, password_hash, session_version, created_at, updated_at, reset_mails_in_window)
		VALUES ('ALICE', 'alice', 'other@example.com', 'x', 1, '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 0)`)
	if err == nil {
		t.Error("a second alice in other capitals was stored: username_key is not unique")
	}
}

func checkCaseTwins(t *testing.T, db *sql.DB, dial string) {
	ctx := context.Background()
	initial := migrateToInitial(t, db, dial)
	insertUser(t, db, "Racer", "racer1@example.com")
	insertUser(t, db, "racer", "racer2@example.com")
	if applied, err := migrations.Up(ctx, db, dial); err == nil {
		t.Fatalf("up applied %v with Racer and racer in the table, want an error", applied)
	}
	st, err := migrations.StatusOf(ctx, db, dial)
	if err != nil || st.Current() != initial {
		t.Fatalf("after the failed migration: status %+v (err %v), want still at %s", st, err, initial)
	}
	var users int
	if err := db.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&users); err != nil || users != 2 {
		t.Fatalf("%d users after the failed migration (err %v), want both", users, err)
	}
}

// migrateToInitial applies the first migration only and returns its version.
func migrateToInitial(t *testing.T, db *sql.DB, dial string) string {
	t.Helper()
	dir, err := migrations.Dir(dial)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := dir.Files()
	initial := files[0].Version()
	if _, err := migrations.UpTo(context.Background(), db, dial, initial); err != nil {
		t.Fatalf("up to %s: %v", initial, err)
	}
	return initial
}

// insertUser writes a row as the first release did, without username_key.
func insertUser(t *testing.T, db *sql.DB, username, email string) {
	t.Helper()
	exec(t, db, `INSERT INTO users (username, email, password_hash, session_version, created_at, updated_at, reset_mails_in_window)
		VALUES ('`+username+`', '`+email+`', 'x', 1, '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 0)`)
}

func exec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_fk=1&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
