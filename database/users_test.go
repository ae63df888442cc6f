package database

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"latchkey/ent"
	"latchkey/ent/user"
)

func TestUserByID(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "users.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	created := db.Client.User.Create().SetUsername("alice").SetEmail("alice@example.com").SetPasswordHash("hash").
		SetSessionVersion(3).SetLastResetMailAt(at).SetResetMailWindowStart(at.Add(-time.Minute)).SetResetMailsInWindow(2).
		SetLastChangedMailAt(at.Add(time.Hour)).SaveX(ctx)

	t.Run("EveryColumn", func(t *testing.T) {
		cols := strings.Join(user.Columns, ", ")
		if !strings.Contains(strings.ReplaceAll(userByID, "\n", " "), cols) {
			t.Errorf("userByID does not select exactly %s", cols)
		}
	})
	t.Run("OKSameAsEnt", func(t *testing.T) {
		want := db.Client.User.GetX(ctx, created.ID)
		got, err := db.UserByID(ctx, created.ID)
		if err != nil || got == nil {
			t.Fatalf("UserByID = %v, %v", got, err)
		}
		if !reflect.DeepEqual(fields(got), fields(want)) {
			t.Errorf("UserByID\n got %+v\nwant %+v", fields(got), fields(want))
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		if got, err := db.UserByID(ctx, created.ID+1); got != nil || err != nil {
			t.Errorf("UserByID of a missing id = %v, %v; want nil, nil", got, err)
		}
	})
}

// fields is u without ent's unexported bookkeeping, times compared as instants.
func fields(u *ent.User) []any {
	unix := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.UnixNano()
	}
	return []any{u.ID, u.Username, u.UsernameKey, u.Email, u.PasswordHash, u.SessionVersion, unix(&u.CreatedAt), unix(&u.UpdatedAt),
		unix(u.LastResetMailAt), unix(u.ResetMailWindowStart), u.ResetMailsInWindow, unix(u.LastChangedMailAt)}
}
