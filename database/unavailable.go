package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// ErrUnavailable is in the chain of every error of a call that the database did not answer in
// time, or whose connection the network lost: the caller may try again shortly.
var ErrUnavailable = errors.New("the database did not answer")

// unavailableError is a cause marked ErrUnavailable. Its Unavailable method lets packages that
// do not import this one (the rules) recognise it.
type unavailableError struct{ cause error }

func (e *unavailableError) Error() string     { return "database unavailable: " + e.cause.Error() }
func (e *unavailableError) Unwrap() []error   { return []error{ErrUnavailable, e.cause} }
func (e *unavailableError) Unavailable() bool { return true }

// markUnavailable wraps err in ErrUnavailable when it says the database did not answer; ctx
// is the call's own, whose deadline may be why.
func markUnavailable(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	if errors.Is(err, context.Canceled) && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err // the caller went away: nobody waits for an answer
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || notAnswering(err) {
		return &unavailableError{cause: err}
	}
	return err
}

func notAnswering(err error) bool {
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	switch {
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err),
		errors.As(err, &netErr), errors.As(err, &connectErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Connection exceptions, a server shutting down or full, a statement or lock timeout.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") ||
			pgErr.Code == "53300" || pgErr.Code == "57014" || pgErr.Code == "55P03"
	}
	var liteErr sqlite3.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrInterrupt:
			return true
		}
	}
	return false
}
