package database

import (
	"errors"
	"net/url"
	"strings"

	"entgo.io/ent/dialect"
)

// URL is a parsed DATABASE_URL.
type URL struct {
	Raw     string // as written; may hold a PostgreSQL password
	Dialect string // dialect.SQLite or dialect.Postgres
	Path    string // the SQLite file; "" on PostgreSQL
}

// ParseURL reads "sqlite:PATH", SQLAlchemy's "sqlite:///relative" and "sqlite:////absolute",
// or "postgres://…". Its errors never quote s, which may carry a password.
func ParseURL(s string) (URL, error) {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		path, err := sqlitePath(strings.TrimPrefix(s, "sqlite:"))
		if err != nil {
			return URL{}, err
		}
		return URL{Raw: s, Dialect: dialect.SQLite, Path: path}, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return URL{}, errors.New("is not a valid postgres:// URL")
		}
		return URL{Raw: s, Dialect: dialect.Postgres}, nil
	}
	return URL{}, errors.New("must start with sqlite: (then a file path), postgres:// or postgresql://")
}

// sqlitePath refuses "sqlite://x": SQLAlchemy reads x as a host, which a file has none of, and
// opening "//x" would name another file than the one meant.
func sqlitePath(rest string) (string, error) {
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		path, ok := strings.CutPrefix(after, "/")
		if !ok && after != "" {
			return "", errors.New("sqlite://PATH is ambiguous: write sqlite:PATH, sqlite:///relative/path or sqlite:////absolute/path")
		}
		rest = path
	}
	if rest == "" {
		return "", errors.New("sqlite: needs a file path, e.g. sqlite:blog.db")
	}
	return rest, nil
}
