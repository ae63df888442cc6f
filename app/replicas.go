package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"entgo.io/ent/dialect"

	"latchkey/account"
	"latchkey/database/pgnotify"
)

// replicas links the account service's cache to PostgreSQL's notifications of other replicas'
// writes. Until the watcher runs, nothing cached is trusted.
type replicas struct {
	watcher atomic.Pointer[pgnotify.Watcher]
}

func (r *replicas) Trusted() bool {
	w := r.watcher.Load()
	return w != nil && w.Trusted()
}

// sharedDatabase returns what tells the cache of other replicas, or nil on SQLite, which one
// process uses.
func sharedDatabase(dial string) *replicas {
	if dial != dialect.Postgres {
		return nil
	}
	return &replicas{}
}

// watch starts listening for the invalidations that PostgreSQL's triggers send.
func (r *replicas) watch(ctx context.Context, dsn string, accounts *account.Service, log *slog.Logger) error {
	w, err := pgnotify.Watch(ctx, dsn, account.InvalidationChannel, pgnotify.Options{
		OnNotify: accounts.Invalidate,
		OnGap:    accounts.ForgetCached,
		Logger:   log,
	})
	if err != nil {
		return fmt.Errorf("listen for other replicas' writes: %w", err)
	}
	r.watcher.Store(w)
	return nil
}

func (r *replicas) close() error {
	if w := r.watcher.Load(); w != nil {
		return w.Close()
	}
	return nil
}
