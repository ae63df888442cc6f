package pgnotify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// NotifySQL sends the notification $2 on the channel $1. Run inside the writer's transaction,
// it is delivered only if that commits, and after the writes it announces are visible.
const NotifySQL = "SELECT pg_notify($1, $2)"

// MaxPayload is the longest payload PostgreSQL takes, in bytes (it refuses 8000 and more).
const MaxPayload = 7999

// ErrPayloadTooLong is returned by Notify for a payload over MaxPayload.
var ErrPayloadTooLong = errors.New("pgnotify: the payload is over PostgreSQL's limit of 7999 bytes")

// Execer runs one statement: *sql.Tx, *sql.DB or *sql.Conn, and an ent client or transaction
// generated with the sql/execquery feature.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Notify sends payload on channel through exec, which should be the writer's transaction.
func Notify(ctx context.Context, exec Execer, channel, payload string) error {
	if err := checkChannel(channel); err != nil {
		return err
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("%w: %d bytes", ErrPayloadTooLong, len(payload))
	}
	if _, err := exec.ExecContext(ctx, NotifySQL, channel, payload); err != nil {
		return fmt.Errorf("pgnotify: notify: %w", err)
	}
	return nil
}
