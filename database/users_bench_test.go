package database_test

import (
	"context"
	"testing"

	"latchkey/ent"
	"latchkey/ent/user"
)

// BenchmarkUserRead compares the ways CurrentUser can read its account by id, on a real SQLite
// file, or on PostgreSQL when TEST_DATABASE_URL is set. The figures are in docs/BENCHMARKS.md.
func BenchmarkUserRead(b *testing.B) {
	ctx := context.Background()
	db := openMigrated(b)
	id := db.Client.User.Create().SetUsername("bench").SetEmail("bench@example.com").SetPasswordHash("hash").
		SaveX(ctx).ID
	byID := db.Client.User.ByID(user.FieldUsername, user.FieldEmail, user.FieldPasswordHash, user.FieldSessionVersion, user.FieldCreatedAt)
	reads := []struct {
		name string
		read func() (*ent.User, error)
	}{
		{"EntGet", func() (*ent.User, error) { return db.Client.User.Get(ctx, id) }},
		{"EntSelect", func() (*ent.User, error) {
			return db.Client.User.Query().Where(user.ID(id)).
				Select(user.FieldUsername, user.FieldEmail, user.FieldPasswordHash, user.FieldSessionVersion, user.FieldCreatedAt).
				Only(ctx)
		}},
		{"ByID", func() (*ent.User, error) { return byID.Get(ctx, id) }},
	}
	for _, r := range reads {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if u, err := r.read(); err != nil || u.ID != id {
					b.Fatalf("read = %v, %v", u, err)
				}
			}
		})
	}
}
