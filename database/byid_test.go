package database_test

import (
	"context"
	"slices"
	"testing"

	"latchkey/app/apptest"
	"latchkey/database"
	"latchkey/ent"
	"latchkey/ent/user"
)

// TestUserByID: the reader whose SQL is built once (ent/template/byid.tmpl) reads what ent's own
// query reads, on either database, and says "not found" the way ent does.
func TestUserByID(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t)
	created := db.Client.User.Create().SetUsername("Reader").SetEmail("reader@example.com").SetPasswordHash("hash").
		SetEmailVerified(true).SetResetMailsInWindow(2).SaveX(ctx)
	db.Client.User.Create().SetUsername("other").SetEmail("other@example.com").SetPasswordHash("hash").SaveX(ctx)

	allButID := slices.DeleteFunc(slices.Clone(user.Columns), func(c string) bool { return c == user.FieldID })
	got, err := db.Client.User.ByID(allButID...).Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := db.Client.User.GetX(ctx, created.ID)
	if got.String() != want.String() || got.PasswordHash != want.PasswordHash {
		t.Errorf("ByID read\n %v\nwant\n %v", got, want)
	}

	some, err := db.Client.User.ByID(user.FieldEmail).Get(ctx, created.ID)
	if err != nil || some.ID != created.ID || some.Email != "reader@example.com" || some.Username != "" {
		t.Errorf("ByID(email) = %v, %v; want only id and email", some, err)
	}
	if _, err := db.Client.User.ByID(user.FieldEmail).Get(ctx, created.ID+1000); !ent.IsNotFound(err) {
		t.Errorf("unknown id: error = %v, want ent's not-found error", err)
	}
}

// openMigrated opens a fresh database, SQLite or TEST_DATABASE_URL's, with every migration applied.
func openMigrated(tb testing.TB) *database.DB {
	tb.Helper()
	db, err := database.Open(context.Background(), apptest.FreshDatabase(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}
