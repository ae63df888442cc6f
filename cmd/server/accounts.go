package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"latchkey/app"
	"latchkey/ent"
)

const usersUsage = `Usage: server users list [--search S] [--json]
       server users disable EMAIL
       server users enable EMAIL
       server users delete EMAIL [--yes]

  list     the accounts (id, username, email, verified, disabled, created), oldest first;
           --search keeps those whose username or email contains S, whatever its case
  disable  the account cannot sign in, refresh or receive mail, and every session ends
  enable   undoes disable (ended sessions stay ended)
  delete   deletes the account, its sessions and its links; asks first unless --yes

`

// users runs the operator's account commands.
func users(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, envFile := commandFlags("users", usersUsage, stderr)
	search := fs.String("search", "", "list: only accounts whose username or email contains `S`")
	asJSON := fs.Bool("json", false, "list: print a JSON array instead of a table")
	yes := fs.Bool("yes", false, "delete: do not ask for confirmation")
	args, err := parseFlags(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	action, wantArgs := "", 1
	if len(args) > 0 {
		action = args[0]
	}
	if action == "list" {
		wantArgs = 0
	}
	if action != "list" && action != "disable" && action != "enable" && action != "delete" || len(args)-1 != wantArgs {
		fs.Usage()
		return errors.New("users needs list, or disable, enable or delete with one EMAIL")
	}
	a, err := openExisting(ctx, getenv, *envFile, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	switch action {
	case "list":
		return listUsers(ctx, a, *search, *asJSON, stdout)
	case "disable":
		return disableUser(ctx, a, args[1], stdout)
	case "enable":
		return enableUser(ctx, a, args[1], stdout)
	}
	return deleteUser(ctx, a, args[1], *yes, stdin, stdout, stderr)
}

// openExisting is openApp for a database that must be there already: on a mistyped SQLite path
// "no accounts" would be a lie, told after creating an empty file.
func openExisting(ctx context.Context, getenv func(string) string, envFile string, stderr io.Writer) (*app.App, error) {
	cfg, err := loadSettings(getenv, envFile)
	if err != nil {
		return nil, err
	}
	if err := sqliteFileExists(cfg); err != nil {
		return nil, err
	}
	return openApp(ctx, getenv, envFile, stderr)
}

type listedUser struct {
	ID            int       `json:"id"`
	Username      string    `json:"username"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"`
	Disabled      bool      `json:"disabled"`
	CreatedAt     time.Time `json:"createdAt"`
}

func listUsers(ctx context.Context, a *app.App, search string, asJSON bool, stdout io.Writer) error {
	found, err := a.Accounts.ListUsers(ctx, search)
	if err != nil {
		return userError(err)
	}
	rows := make([]listedUser, len(found))
	for i, u := range found {
		rows[i] = listedUser{u.ID, u.Username, u.Email, u.EmailVerified, u.Disabled, u.CreatedAt.UTC().Truncate(time.Second)}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(rows) == 0 {
		if search != "" {
			fmt.Fprintf(stdout, "no accounts match %q\n", search)
		} else {
			fmt.Fprintln(stdout, "no accounts")
		}
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSERNAME\tEMAIL\tVERIFIED\tDISABLED\tCREATED")
	for _, r := range rows {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Username, r.Email, yesNo(r.EmailVerified), yesNo(r.Disabled), r.CreatedAt.Format(time.RFC3339))
	}
	return w.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func disableUser(ctx context.Context, a *app.App, email string, stdout io.Writer) error {
	c, err := a.Accounts.DisableUser(ctx, email)
	if err != nil {
		return userError(err)
	}
	if c.Changed {
		fmt.Fprintf(stdout, "disabled %s; %s ended\n", who(c.User), plural(c.SessionsEnded, "session"))
	} else {
		fmt.Fprintf(stdout, "%s was disabled already; %s ended\n", who(c.User), plural(c.SessionsEnded, "session"))
	}
	return nil
}

func enableUser(ctx context.Context, a *app.App, email string, stdout io.Writer) error {
	c, err := a.Accounts.EnableUser(ctx, email)
	if err != nil {
		return userError(err)
	}
	if c.Changed {
		fmt.Fprintf(stdout, "enabled %s: it can sign in again\n", who(c.User))
	} else {
		fmt.Fprintf(stdout, "%s is not disabled: nothing changed\n", who(c.User))
	}
	return nil
}

func deleteUser(ctx context.Context, a *app.App, email string, yes bool, stdin io.Reader, stdout, stderr io.Writer) error {
	u, sessions, err := a.Accounts.FindUser(ctx, email)
	if err != nil {
		return userError(err)
	}
	if !yes {
		fmt.Fprintf(stderr, "Delete %s, %s, with its %s? This cannot be undone. [y/N] ", u.Username, who(u), plural(sessions, "active session"))
		answer, _ := bufio.NewReader(stdin).ReadString('\n')
		fmt.Fprintln(stderr)
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return fmt.Errorf("%s not deleted: not confirmed (answer y, or pass --yes)", u.Email)
		}
	}
	if _, err := a.Accounts.DeleteUser(ctx, u.Email); err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "deleted %s with its %s\n", who(u), plural(sessions, "active session"))
	return nil
}

func who(u *ent.User) string { return fmt.Sprintf("%s (id %d)", u.Email, u.ID) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
