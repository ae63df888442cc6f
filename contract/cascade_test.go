package contract_test

import (
	"testing"

	"entgo.io/ent/dialect"

	"latchkey/app/apptest"
)

// TestCascadeDelete: the database itself deletes a user's reset tokens with the user, so an
// operator deleting a row by hand leaves no token behind.
func TestCascadeDelete(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	db := env.OpenDB(t)
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	env.Register(t, "bob", "bob@example.com", "bob-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))
	token := env.ResetTokenFromMail(t, 1)
	wantOK(t, forgot(t, env, "bob@example.com"))
	env.ResetTokenFromMail(t, 2)

	t.Run("SchemaDeclaresCascade", func(t *testing.T) {
		query := `SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list('password_reset_tokens')`
		if env.Dialect() == dialect.Postgres {
			query = `SELECT ccu.table_name, kcu.column_name, ccu.column_name, rc.delete_rule
				FROM information_schema.referential_constraints rc
				JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name
				JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name
				WHERE kcu.table_name = 'password_reset_tokens'`
		}
		var table, from, to, onDelete string
		err := db.QueryRow(query).Scan(&table, &from, &to, &onDelete)
		if err != nil {
			t.Fatal(err)
		}
		if table != "users" || from != "user_id" || to != "id" || onDelete != "CASCADE" {
			t.Errorf("foreign key %s -> %s.%s ON DELETE %s, want user_id -> users.id ON DELETE CASCADE", from, table, to, onDelete)
		}
	})

	t.Run("PlainSQLDeleteTakesTokens", func(t *testing.T) {
		if n := count(t, db, `SELECT COUNT(*) FROM password_reset_tokens`); n != 2 {
			t.Fatalf("%d reset tokens before, want 2", n)
		}
		if _, err := db.Exec(`DELETE FROM users WHERE email = 'alice@example.com'`); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM password_reset_tokens`); n != 1 {
			t.Errorf("%d reset tokens after deleting alice, want bob's only", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM password_reset_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'bob@example.com'`); n != 1 {
			t.Errorf("bob has %d reset tokens, want 1", n)
		}
		if checkToken(t, env, token).Valid {
			t.Error("alice's reset token is still valid")
		}
	})
}
