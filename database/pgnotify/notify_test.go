package pgnotify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/database/pgnotify"
)

// TestNotifyAfterCommit: a notification sent in a transaction reaches both watchers once it
// commits, not before: a marker committed meanwhile arrives first.
func TestNotifyAfterCommit(t *testing.T) {
	dsn := freshDSN(t)
	a, b := watch(t, dsn, pgnotify.Options{}), watch(t, dsn, pgnotify.Options{})
	db := writer(t, dsn)
	ctx := context.Background()

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := pgnotify.Notify(ctx, tx, channel, "u:42"); err != nil {
		t.Fatal(err)
	}
	send(t, db, "marker")
	for _, l := range []*listener{a, b} {
		eventually(t, 5*time.Second, "the marker is heard", func() bool { return l.heard("marker") })
		if l.heard("u:42") {
			t.Fatal("the notification of an uncommitted transaction was heard")
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, l := range []*listener{a, b} {
		eventually(t, 5*time.Second, "the committed notification is heard", func() bool { return l.heard("u:42") })
		if got := l.all(); !slices.Equal(got, []string{"marker", "u:42"}) {
			t.Fatalf("heard %q", got)
		}
	}
}

// TestNotifyRolledBackIsNeverHeard: a rolled-back transaction's notification is never sent;
// notifications arrive in commit order, so once a later one is heard it never will be.
func TestNotifyRolledBackIsNeverHeard(t *testing.T) {
	dsn := freshDSN(t)
	a, b := watch(t, dsn, pgnotify.Options{}), watch(t, dsn, pgnotify.Options{})
	db := writer(t, dsn)
	ctx := context.Background()

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pgnotify.Notify(ctx, tx, channel, "s:abc"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	send(t, db, "later")
	for _, l := range []*listener{a, b} {
		eventually(t, 5*time.Second, "the later notification is heard", func() bool { return l.heard("later") })
		if got := l.all(); !slices.Equal(got, []string{"later"}) {
			t.Fatalf("heard %q", got)
		}
	}
}

// TestNotifyInOrder: OnNotify sees the notifications in the order they were committed.
func TestNotifyInOrder(t *testing.T) {
	dsn := freshDSN(t)
	l := watch(t, dsn, pgnotify.Options{})
	db := writer(t, dsn)
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("u:%d", i))
		send(t, db, want[i])
	}
	eventually(t, 5*time.Second, "all heard", func() bool { return len(l.all()) == len(want) })
	if got := l.all(); !slices.Equal(got, want) {
		t.Fatalf("heard %q, want %q", got, want)
	}
}

// TestNotifyLimits: Notify refuses what PostgreSQL would, with errors of its own, and the
// longest payload PostgreSQL takes goes through.
func TestNotifyLimits(t *testing.T) {
	dsn := freshDSN(t)
	l := watch(t, dsn, pgnotify.Options{})
	db := writer(t, dsn)
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		longest := strings.Repeat("k", pgnotify.MaxPayload)
		send(t, db, longest)
		eventually(t, 5*time.Second, "the longest payload is heard", func() bool { return l.heard(longest) })
	})
	t.Run("ErrPayloadTooLong", func(t *testing.T) {
		over := strings.Repeat("k", pgnotify.MaxPayload+1)
		if err := pgnotify.Notify(ctx, db, channel, over); !errors.Is(err, pgnotify.ErrPayloadTooLong) {
			t.Fatalf("Notify: %v", err)
		}
		// The limit is PostgreSQL's own, not a guess.
		if _, err := db.ExecContext(ctx, pgnotify.NotifySQL, channel, over); err == nil ||
			!strings.Contains(err.Error(), "payload string too long") {
			t.Fatalf("PostgreSQL on %d bytes: %v", len(over), err)
		}
	})
	t.Run("ErrChannel", func(t *testing.T) {
		for _, ch := range []string{"", strings.Repeat("c", 64)} {
			if err := pgnotify.Notify(ctx, db, ch, "u:1"); err == nil {
				t.Fatalf("Notify on a channel of %d bytes: no error", len(ch))
			}
		}
	})
}
