package apptest

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/jackc/pgx/v5/stdlib"

	"latchkey/database/placeholder"
)

// qmarkDriverName is pgx with ? placeholders, so that tests write one SQL for both databases.
const qmarkDriverName = "latchkey-test-pgx-qmark"

func init() { sql.Register(qmarkDriverName, qmarkDriver{}) }

type qmarkDriver struct{}

func (qmarkDriver) Open(dsn string) (driver.Conn, error) {
	c, err := stdlib.GetDefaultDriver().Open(dsn)
	if err != nil {
		return nil, err
	}
	return qmarkConn{c.(pgxConn)}, nil
}

type pgxConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.ConnPrepareContext
}

type qmarkConn struct{ pgxConn }

func (c qmarkConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.pgxConn.ExecContext(ctx, placeholder.Dollar(q), args)
}

func (c qmarkConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.pgxConn.QueryContext(ctx, placeholder.Dollar(q), args)
}

func (c qmarkConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.pgxConn.PrepareContext(ctx, placeholder.Dollar(q))
}
