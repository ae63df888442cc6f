package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"latchkey/app"
	"latchkey/config"
	"latchkey/database"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, envFile := commandFlags("migrate", "Usage: server migrate up|status [--env-file PATH]\n\n"+
		"  up      apply every pending migration to DATABASE_URL (creating a SQLite file that is missing)\n"+
		"  status  list the applied and pending migrations; never creates a database\n\n", stderr)
	args, err := parseFlags(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		fs.Usage()
		return errors.New("migrate needs up or status")
	}
	cfg, err := loadSettings(getenv, *envFile)
	if err != nil {
		return err
	}
	if args[0] == "status" {
		if err := sqliteFileExists(cfg); err != nil {
			return err
		}
	}
	db, err := app.OpenDB(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "up" {
		applied, err := db.Migrate(ctx)
		for _, v := range applied {
			fmt.Fprintf(stdout, "applied %s\n", v)
		}
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdout, "nothing to apply: the database is up to date")
		}
		return nil
	}
	return printStatus(ctx, db, cfg, stdout)
}

// sqliteFileExists refuses to look at a SQLite file that is not there: opening it would create
// an empty database, and the status of that says nothing about the one the operator meant.
func sqliteFileExists(cfg *config.Config) error {
	path := cfg.SQLitePath()
	if path == "" {
		return nil
	}
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the SQLite database %s does not exist (check DATABASE_URL and the working directory); `server migrate up` creates it", path)
	}
	return err
}

func printStatus(ctx context.Context, db *database.DB, cfg *config.Config, stdout io.Writer) error {
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database  %s (%s)\n", databaseLabel(cfg.Database.URL.Raw), db.Dialect)
	current := st.Current()
	if current == "" {
		current = "none (empty database)"
	}
	fmt.Fprintf(stdout, "current   %s\n", current)
	for _, v := range st.Applied {
		fmt.Fprintf(stdout, "applied   %s\n", v)
	}
	for _, v := range st.Pending {
		fmt.Fprintf(stdout, "pending   %s\n", v)
	}
	if len(st.Pending) == 0 {
		fmt.Fprintln(stdout, "up to date")
	}
	return nil
}
