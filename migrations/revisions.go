package migrations

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"

	"latchkey/database/placeholder"
)

// revisionTable records which migrations ran, as Atlas's own tool would.
const revisionTable = "atlas_schema_revisions"

// revisions stores Atlas revisions in revisionTable, inside the migration's transaction.
type revisions struct {
	tx      *sql.Tx
	dialect string
	schema  string // PostgreSQL: the schema the table lives in
}

func (r *revisions) init(ctx context.Context) error {
	_, err := r.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+revisionTable+` (
		version VARCHAR(255) NOT NULL PRIMARY KEY,
		description TEXT NOT NULL,
		type BIGINT NOT NULL,
		applied BIGINT NOT NULL,
		total BIGINT NOT NULL,
		executed_at VARCHAR(64) NOT NULL,
		execution_time BIGINT NOT NULL,
		error TEXT NOT NULL,
		error_stmt TEXT NOT NULL,
		hash TEXT NOT NULL,
		partial_hashes TEXT NOT NULL,
		operator_version TEXT NOT NULL)`)
	if err != nil || r.dialect != dialect.Postgres {
		return err
	}
	return r.tx.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&r.schema)
}

func (r *revisions) Ident() *atlasmigrate.TableIdent {
	return &atlasmigrate.TableIdent{Name: revisionTable, Schema: r.schema}
}

const revisionColumns = `version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version`

func (r *revisions) ReadRevisions(ctx context.Context) ([]*atlasmigrate.Revision, error) {
	rows, err := r.tx.QueryContext(ctx, `SELECT `+revisionColumns+` FROM `+revisionTable+` ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var revs []*atlasmigrate.Revision
	for rows.Next() {
		rev, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		revs = append(revs, rev)
	}
	return revs, rows.Err()
}

func (r *revisions) ReadRevision(ctx context.Context, version string) (*atlasmigrate.Revision, error) {
	row := r.tx.QueryRowContext(ctx, r.bind(`SELECT `+revisionColumns+` FROM `+revisionTable+` WHERE version = ?`), version)
	rev, err := scanRevision(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, atlasmigrate.ErrRevisionNotExist
	}
	return rev, err
}

func (r *revisions) WriteRevision(ctx context.Context, rev *atlasmigrate.Revision) error {
	partial, err := json.Marshal(rev.PartialHashes)
	if err != nil {
		return err
	}
	args := []any{rev.Description, int64(rev.Type), rev.Applied, rev.Total,
		rev.ExecutedAt.UTC().Format(time.RFC3339Nano), int64(rev.ExecutionTime), rev.Error, rev.ErrorStmt,
		rev.Hash, string(partial), rev.OperatorVersion, rev.Version}
	res, err := r.tx.ExecContext(ctx, r.bind(`UPDATE `+revisionTable+` SET description = ?, type = ?, applied = ?,
		total = ?, executed_at = ?, execution_time = ?, error = ?, error_stmt = ?, hash = ?, partial_hashes = ?,
		operator_version = ? WHERE version = ?`), args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = r.tx.ExecContext(ctx, r.bind(`INSERT INTO `+revisionTable+` (description, type, applied, total,
		executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
	return err
}

func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	_, err := r.tx.ExecContext(ctx, r.bind(`DELETE FROM `+revisionTable+` WHERE version = ?`), version)
	return err
}

// bind turns ? placeholders into PostgreSQL's $n.
func (r *revisions) bind(query string) string {
	if r.dialect != dialect.Postgres {
		return query
	}
	return placeholder.Dollar(query)
}

type scanner interface{ Scan(dest ...any) error }

func scanRevision(s scanner) (*atlasmigrate.Revision, error) {
	var (
		rev              atlasmigrate.Revision
		typ, elapsed     int64
		executed, hashes string
	)
	err := s.Scan(&rev.Version, &rev.Description, &typ, &rev.Applied, &rev.Total, &executed, &elapsed,
		&rev.Error, &rev.ErrorStmt, &rev.Hash, &hashes, &rev.OperatorVersion)
	if err != nil {
		return nil, err
	}
	rev.Type = atlasmigrate.RevisionType(typ)
	rev.ExecutionTime = time.Duration(elapsed)
	if rev.ExecutedAt, err = time.Parse(time.RFC3339Nano, executed); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(hashes), &rev.PartialHashes); err != nil {
		return nil, err
	}
	return &rev, nil
}
