package database

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// deadlineDriver gives every statement and every transaction sent through the ent client a
// deadline, whatever context the caller passes: the request's, or one without cancellation
// (the outbox), which would otherwise wait on a silent database for ever.
type deadlineDriver struct {
	dialect.Driver
	timeout time.Duration
}

func withDeadlines(d dialect.Driver, timeout time.Duration) dialect.Driver {
	if timeout <= 0 {
		return d
	}
	return deadlineDriver{Driver: d, timeout: timeout}
}

// Exec runs a statement within the deadline.
func (d deadlineDriver) Exec(ctx context.Context, query string, args, v any) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	return markUnavailable(ctx, d.Driver.Exec(ctx, query, args, v))
}

// Query runs a statement within the deadline, which also bounds reading its rows.
func (d deadlineDriver) Query(ctx context.Context, query string, args, v any) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	return keepUntilClosed(ctx, v, d.Driver.Query(ctx, query, args, v), cancel)
}

// Tx begins a transaction that database/sql rolls back when the deadline passes.
func (d deadlineDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	return d.begin(ctx, func(ctx context.Context) (dialect.Tx, error) { return d.Driver.Tx(ctx) })
}

// BeginTx is Tx with options, for drivers that take them.
func (d deadlineDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, errors.New("database: the driver takes no transaction options")
	}
	return d.begin(ctx, func(ctx context.Context) (dialect.Tx, error) { return b.BeginTx(ctx, opts) })
}

func (d deadlineDriver) begin(ctx context.Context, begin func(context.Context) (dialect.Tx, error)) (dialect.Tx, error) {
	// Kept until Commit or Rollback: cancelling it earlier would roll the transaction back.
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	tx, err := begin(ctx)
	if err != nil {
		cancel()
		return nil, markUnavailable(ctx, err)
	}
	return &deadlineTx{Tx: tx, ctx: ctx, cancel: cancel}, nil
}

// deadlineTx runs each statement of a transaction by the transaction's deadline: a statement
// still waiting would hold off the rollback that database/sql starts when it passes.
type deadlineTx struct {
	dialect.Tx
	ctx    context.Context
	cancel context.CancelFunc
}

// stmt is the context of one statement: the caller's, ending with the transaction's.
func (t *deadlineTx) stmt(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, _ := t.ctx.Deadline()
	return context.WithDeadline(ctx, deadline)
}

func (t *deadlineTx) Exec(ctx context.Context, query string, args, v any) error {
	ctx, cancel := t.stmt(ctx)
	defer cancel()
	return markUnavailable(ctx, t.Tx.Exec(ctx, query, args, v))
}

func (t *deadlineTx) Query(ctx context.Context, query string, args, v any) error {
	ctx, cancel := t.stmt(ctx)
	return keepUntilClosed(ctx, v, t.Tx.Query(ctx, query, args, v), cancel)
}

func (t *deadlineTx) Commit() error {
	defer t.cancel()
	return markUnavailable(t.ctx, t.Tx.Commit())
}

func (t *deadlineTx) Rollback() error {
	defer t.cancel()
	return markUnavailable(t.ctx, t.Tx.Rollback())
}

// keepUntilClosed cancels a query's context once its rows are closed, not when Query returns:
// database/sql closes the rows of a cancelled context before the caller has read them.
func keepUntilClosed(ctx context.Context, v any, err error, cancel context.CancelFunc) error {
	rows, ok := v.(*entsql.Rows)
	if err != nil || !ok || rows.ColumnScanner == nil {
		cancel()
		return markUnavailable(ctx, err)
	}
	rows.ColumnScanner = cancelOnClose{ColumnScanner: rows.ColumnScanner, ctx: ctx, cancel: cancel}
	return nil
}

// cancelOnClose also marks a failure met while reading the rows.
type cancelOnClose struct {
	entsql.ColumnScanner
	ctx    context.Context
	cancel context.CancelFunc
}

func (r cancelOnClose) Err() error { return markUnavailable(r.ctx, r.ColumnScanner.Err()) }

func (r cancelOnClose) Close() error {
	defer r.cancel()
	return r.ColumnScanner.Close()
}
