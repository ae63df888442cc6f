package account

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"latchkey/ent"
	"latchkey/ent/loginfailure"
)

// Failed password checks are counted per throttle key in the database, so every replica sees
// the same counts and N replicas do not give N times the guesses. A key is an HMAC of what it
// counts (an address with a client, an address alone, a device, a session), never the address.
const (
	freeLoginFailures        = 5  // per address and client, per device token, per session
	freeAccountLoginFailures = 20 // per address, from clients without a device token
	maxLoginDelay            = time.Minute
	loginFailureTTL          = 15 * time.Minute
	// DefaultThrottleEntries bounds the failure table; the oldest entries go first.
	DefaultThrottleEntries = 100_000
)

// Prefixes of throttle keys, by what they count.
const (
	keyAccount = "a:" // every untrusted client's failures for one address
	keyClient  = "c:" // one client's failures for one address
	keyDevice  = "d:" // failures presented with one device token
	keySession = "s:" // failures of one signed-in session
)

func freeFailures(key string) int {
	if strings.HasPrefix(key, keyAccount) {
		return freeAccountLoginFailures
	}
	return freeLoginFailures
}

// loginDelay grows 1 s, 2 s, 4 s … after free failures, capped so that a stranger cannot lock
// anyone out for long at a time.
func loginDelay(count, free int) time.Duration {
	if count < free {
		return 0
	}
	n := count - free
	if n > 6 {
		return maxLoginDelay
	}
	return min(time.Second<<n, maxLoginDelay)
}

// failureStore keeps the failure counts in the login_failures table.
type failureStore struct {
	db    *ent.Client
	now   func() time.Time
	limit int // most entries; reached, the oldest are deleted

	mu      sync.Mutex
	entries int // this replica's estimate of the table's size since it last counted
	counted bool
}

// begin returns how long the check must wait, or 0 when it may go ahead; then the attempt is
// counted already, as a failure until succeeded says otherwise, so that guesses sent all at once,
// to one replica or many, cannot slip in before the first of them has failed.
func (f *failureStore) begin(ctx context.Context, account string, keys []string) (time.Duration, error) {
	for range 20 {
		wait, raced, err := f.tryBegin(ctx, account, keys)
		if err != nil || !raced {
			return wait, err
		}
	}
	return time.Second, nil // so contended that a short wait is the honest answer
}

// tryBegin reads the keys' records, and when none makes the check wait counts one more failure
// on each, every count conditional on the record being as it was read; raced reports that one
// was not, and the caller reads again.
func (f *failureStore) tryBegin(ctx context.Context, account string, keys []string) (wait time.Duration, raced bool, err error) {
	tx, err := f.db.Tx(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("count login failure: %w", err)
	}
	added := 0
	wait, raced, err = f.countAll(ctx, tx.Client(), account, keys, &added)
	if err != nil || raced || wait > 0 {
		_ = tx.Rollback()
		return wait, raced, err
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("count login failure: %w", err)
	}
	for range added {
		if err := f.added(ctx, f.now()); err != nil {
			return 0, false, err
		}
	}
	return 0, false, nil
}

func (f *failureStore) countAll(ctx context.Context, db *ent.Client, account string, keys []string, added *int) (wait time.Duration, raced bool, err error) {
	now := f.now()
	rows, err := db.LoginFailure.Query().Where(loginfailure.KeyIn(keys...)).All(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("read login failures: %w", err)
	}
	read := make(map[string]*ent.LoginFailure, len(rows))
	for _, r := range rows {
		read[r.Key] = r
		if now.Sub(r.LastFailedAt) < loginFailureTTL {
			wait = max(wait, r.LastFailedAt.Add(loginDelay(r.Failures, freeFailures(r.Key))).Sub(now))
		}
	}
	if wait > 0 {
		return wait, false, nil
	}
	for _, k := range keys {
		r := read[k]
		if r == nil {
			err := db.LoginFailure.Create().SetKey(k).SetAccount(account).SetFailures(1).SetLastFailedAt(now).Exec(ctx)
			if ent.IsConstraintError(err) {
				return 0, true, nil
			}
			if err != nil {
				return 0, false, fmt.Errorf("count login failure: %w", err)
			}
			*added++
			continue
		}
		upd := db.LoginFailure.Update().
			Where(loginfailure.ID(r.ID), loginfailure.Failures(r.Failures)).
			SetLastFailedAt(now)
		if now.Sub(r.LastFailedAt) >= loginFailureTTL {
			upd.SetFailures(1) // forgotten: count from the start
		} else {
			upd.AddFailures(1)
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return 0, false, fmt.Errorf("count login failure: %w", err)
		}
		if n == 0 {
			return 0, true, nil
		}
	}
	return 0, false, nil
}

// failed restarts the delays from the end of a failed check, which hashing makes later than its start.
func (f *failureStore) failed(ctx context.Context, account string, keys []string) error {
	now := f.now()
	for _, k := range keys {
		n, err := f.db.LoginFailure.Update().Where(loginfailure.Key(k)).SetLastFailedAt(now).Save(ctx)
		if err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		if n == 0 { // a success in the meantime forgot the attempt
			err := f.db.LoginFailure.Create().SetKey(k).SetAccount(account).SetFailures(1).SetLastFailedAt(now).Exec(ctx)
			if err != nil && !ent.IsConstraintError(err) {
				return fmt.Errorf("record login failure: %w", err)
			}
			if err == nil {
				if err := f.added(ctx, now); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// succeeded forgets the failures of keys.
func (f *failureStore) succeeded(ctx context.Context, keys []string) error {
	_, err := f.db.LoginFailure.Delete().Where(loginfailure.KeyIn(keys...)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// clearAccount forgets every failure counted for an address, from any client or device.
func (f *failureStore) clearAccount(ctx context.Context, account string) error {
	_, err := f.db.LoginFailure.Delete().Where(loginfailure.Account(account)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// added notes a new entry and, past the limit, deletes stale entries and then the oldest.
func (f *failureStore) added(ctx context.Context, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries++
	if f.counted && f.entries <= f.limit {
		return nil
	}
	if _, err := f.db.LoginFailure.Delete().Where(loginfailure.LastFailedAtLT(now.Add(-loginFailureTTL))).Exec(ctx); err != nil {
		return fmt.Errorf("prune login failures: %w", err)
	}
	n, err := f.db.LoginFailure.Query().Count(ctx)
	if err != nil {
		return fmt.Errorf("count login failures: %w", err)
	}
	// Down to nine tenths, so that the next prune is many failures away.
	if over := n - f.limit*9/10; n > f.limit && over > 0 {
		ids, err := f.db.LoginFailure.Query().Order(ent.Asc(loginfailure.FieldLastFailedAt), ent.Asc(loginfailure.FieldID)).
			Limit(over).IDs(ctx)
		if err != nil {
			return fmt.Errorf("prune login failures: %w", err)
		}
		if _, err := f.db.LoginFailure.Delete().Where(loginfailure.IDIn(ids...)).Exec(ctx); err != nil {
			return fmt.Errorf("prune login failures: %w", err)
		}
		n -= len(ids)
	}
	f.entries, f.counted = n, true
	return nil
}
