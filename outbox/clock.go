package outbox

import (
	"context"
	"errors"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"latchkey/ent/outboxmail"
)

// dbClock is the database's clock as this process sees it between two reads: replicas whose
// clocks disagree still agree on who holds a lease and what is due. It is the host's clock
// plus the offset measured at the last read, plus however far Hooks.Now runs ahead of the
// host's clock (tests move it ahead, as if time had passed).
type dbClock struct {
	rules func() time.Time // Hooks.Now
	host  func() time.Time // time.Now, but in tests of a skewed host

	mu     sync.Mutex
	offset time.Duration // the database's clock minus the host's
}

func (c *dbClock) now() time.Time {
	c.mu.Lock()
	off := c.offset
	c.mu.Unlock()
	return c.rules().Add(off).UTC()
}

// syncClock reads the database's clock and measures the host's offset from it. An offset
// within the error (half the read's round trip, plus SQLite's millisecond) is no offset: the
// host's clock is then as good, and finer.
func (o *Outbox) syncClock(ctx context.Context) error {
	before := o.clock.host()
	db, err := o.dbTime(ctx)
	if err != nil {
		return err
	}
	after := o.clock.host()
	half := after.Sub(before) / 2
	offset := db.Sub(before.Add(half))
	if offset.Abs() <= half+time.Millisecond {
		offset = 0
	}
	c := &o.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = offset
	return nil
}

// dbTimeLayout is how dbTimeExpr writes the time, in UTC, on either database.
const dbTimeLayout = "2006-01-02 15:04:05.999999"

// dbTimeExpr is the database's current time as text: clock_timestamp, unlike now, moves within
// a transaction.
func dbTimeExpr(dialectName string) string {
	if dialectName == dialect.Postgres {
		return `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
	}
	return `strftime('%Y-%m-%d %H:%M:%f', 'now')`
}

// dbTime reads the database's clock through the ent client, so it goes wherever and with
// whatever deadline the client's queries do. COUNT makes one row even of no rows: the
// query reads no row of the table (no id is negative).
func (o *Outbox) dbTime(ctx context.Context) (time.Time, error) {
	var rows []struct {
		N   int    `json:"n"`
		Now string `json:"now"`
	}
	err := o.db.OutboxMail.Query().Where(outboxmail.IDLT(0)).Aggregate(
		func(*sql.Selector) string { return sql.As(sql.Count("*"), "n") },
		func(s *sql.Selector) string { return sql.As(dbTimeExpr(s.Dialect()), "now") },
	).Scan(ctx, &rows)
	if err != nil {
		return time.Time{}, err
	}
	if len(rows) != 1 {
		return time.Time{}, errors.New("outbox: the database did not tell its time")
	}
	return time.Parse(dbTimeLayout, rows[0].Now)
}
