package database_test

import (
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"latchkey/database"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, in string
		want     database.URL // Raw is in
		wantErr  string
	}{
		{"SQLiteRelative", "sqlite:blog.db", database.URL{Dialect: dialect.SQLite, Path: "blog.db"}, ""},
		{"SQLiteAbsolute", "sqlite:/data/latchkey.db", database.URL{Dialect: dialect.SQLite, Path: "/data/latchkey.db"}, ""},
		{"SQLAlchemyRelative", "sqlite:///./blog.db", database.URL{Dialect: dialect.SQLite, Path: "./blog.db"}, ""},
		{"SQLAlchemyRelativeBare", "sqlite:///blog.db", database.URL{Dialect: dialect.SQLite, Path: "blog.db"}, ""},
		{"SQLAlchemyAbsolute", "sqlite:////var/lib/latchkey.db", database.URL{Dialect: dialect.SQLite, Path: "/var/lib/latchkey.db"}, ""},
		{"Postgres", "postgres://u:p@db/app", database.URL{Dialect: dialect.Postgres}, ""},
		{"PostgreSQL", "postgresql://db/app?sslmode=require", database.URL{Dialect: dialect.Postgres}, ""},
		{"ErrSQLiteHost", "sqlite://x", database.URL{}, "sqlite://PATH is ambiguous"},
		{"ErrSQLiteHostWithPath", "sqlite://localhost/x.db", database.URL{}, "sqlite://PATH is ambiguous"},
		{"ErrSQLiteEmpty", "sqlite:", database.URL{}, "sqlite: needs a file path, e.g. sqlite:blog.db"},
		{"ErrSQLAlchemyMemory", "sqlite://", database.URL{}, "sqlite: needs a file path, e.g. sqlite:blog.db"},
		{"ErrSQLAlchemyEmpty", "sqlite:///", database.URL{}, "sqlite: needs a file path, e.g. sqlite:blog.db"},
		{"ErrPostgresSyntax", "postgres://u:secret@%zz/x", database.URL{}, "is not a valid postgres:// URL"},
		{"ErrScheme", "mysql://db/blog", database.URL{}, "must start with sqlite: (then a file path), postgres:// or postgresql://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := database.ParseURL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL(%q) = %+v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			tt.want.Raw = tt.in
			if err != nil || got != tt.want {
				t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}
