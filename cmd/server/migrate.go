package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"latchkey/app"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, envFile := commandFlags("migrate", "Usage: server migrate up|status\n\n"+
		"  up      apply every pending migration to DATABASE_URL\n"+
		"  status  list the applied and pending migrations\n\n", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "up" && fs.Arg(0) != "status") {
		fs.Usage()
		return errors.New("migrate needs up or status")
	}
	cfg, err := loadSettings(getenv, *envFile)
	if err != nil {
		return err
	}
	db, err := app.OpenDB(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.Arg(0) == "up" {
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
