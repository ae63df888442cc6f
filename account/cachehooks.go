package account

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"latchkey/ent"
	"latchkey/ent/hook"
)

// watchWrites installs the hooks that keep the cache true on this replica: every mutation that
// changes what the per-request check reads removes the entries, at once and again after its
// transaction commits (a read between the two finds the old row, and its fill is dropped).
// Other replicas hear of it from PostgreSQL's triggers.
func (s *Service) watchWrites() {
	s.db.User.Use(func(next ent.Mutator) ent.Mutator {
		return hook.UserFunc(func(ctx context.Context, m *ent.UserMutation) (ent.Value, error) {
			if !userWriteMatters(m) {
				return next.Mutate(ctx, m)
			}
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, fmt.Errorf("users to forget: %w", err)
			}
			keys := make([]string, len(ids))
			for i, id := range ids {
				keys[i] = "u:" + strconv.Itoa(id)
			}
			return s.mutateForgetting(ctx, next, m, m.Tx, keys)
		})
	})
	s.db.Session.Use(func(next ent.Mutator) ent.Mutator {
		return hook.SessionFunc(func(ctx context.Context, m *ent.SessionMutation) (ent.Value, error) {
			if !sessionWriteMatters(m) {
				return next.Mutate(ctx, m)
			}
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, fmt.Errorf("sessions to forget: %w", err)
			}
			keys := make([]string, len(ids))
			for i, id := range ids {
				keys[i] = "s:" + id
			}
			return s.mutateForgetting(ctx, next, m, m.Tx, keys)
		})
	})
}

func (s *Service) mutateForgetting(ctx context.Context, next ent.Mutator, m ent.Mutation, txOf func() (*ent.Tx, error), keys []string) (ent.Value, error) {
	v, err := next.Mutate(ctx, m)
	if err != nil || len(keys) == 0 {
		return v, err
	}
	s.cache.invalidate(keys...)
	if tx, err := txOf(); err == nil {
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				s.cache.invalidate(keys...)
				return err
			})
		})
	}
	return v, nil
}

// userWriteMatters: deletes, and updates of a column CurrentUser returns.
func userWriteMatters(m *ent.UserMutation) bool {
	if m.Op().Is(ent.OpCreate) {
		return false
	}
	if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
		return true
	}
	for _, f := range slices.Concat(m.Fields(), m.AddedFields(), m.ClearedFields()) {
		if slices.Contains(currentUserColumns, f) {
			return true
		}
	}
	return false
}

// sessionWriteMatters: deletes and revocations; lastUsedAt and the refresh expiry do not.
func sessionWriteMatters(m *ent.SessionMutation) bool {
	if m.Op().Is(ent.OpCreate) {
		return false
	}
	if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
		return true
	}
	_, revoked := m.RevokedAt()
	return revoked || m.RevokedAtCleared()
}
