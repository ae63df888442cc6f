package database

import (
	"context"
	"database/sql"
	"errors"

	"latchkey/ent"
)

// userByID names every column of users, in ent's order; TestUserByID fails when the schema
// gains one that is missing here.
const userByID = `SELECT id, username, username_key, email, password_hash, session_version, created_at, updated_at,
last_reset_mail_at, reset_mail_window_start, reset_mails_in_window, last_changed_mail_at FROM users WHERE id = $1`

// UserByID reads one account with a single prepared statement, or returns nil when there is
// none. Every signed-in request reads its user (me, changePassword …); on that path ent's query
// builder and scanner cost about twice what the query itself does.
func (d *DB) UserByID(ctx context.Context, id int) (*ent.User, error) {
	u := &ent.User{}
	var lastMail, window, lastChanged sql.NullTime
	err := d.SQL.QueryRowContext(ctx, userByID, id).Scan(&u.ID, &u.Username, &u.UsernameKey, &u.Email, &u.PasswordHash,
		&u.SessionVersion, &u.CreatedAt, &u.UpdatedAt, &lastMail, &window, &u.ResetMailsInWindow, &lastChanged)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if lastMail.Valid {
		u.LastResetMailAt = &lastMail.Time
	}
	if window.Valid {
		u.ResetMailWindowStart = &window.Time
	}
	if lastChanged.Valid {
		u.LastChangedMailAt = &lastChanged.Time
	}
	return u, nil
}
