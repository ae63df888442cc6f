package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"latchkey/account"
	"latchkey/app"
)

// openApp loads the settings and opens the database and service, for commands that do not serve.
func openApp(ctx context.Context, getenv func(string) string, envFile string, stderr io.Writer) (*app.App, error) {
	cfg, err := loadSettings(getenv, envFile)
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg, stderr)
	if cfg.Level() < slog.LevelWarn {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return app.New(ctx, cfg, log, app.Options{})
}

func createUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, envFile := commandFlags("createuser", "Usage: server createuser --email EMAIL --username NAME\n\n"+
		"Creates an account. The password is asked for on the terminal without echo,\n"+
		"or read from the first line of standard input when that is not a terminal.\n\n", stderr)
	emailAddr := fs.String("email", "", "email address of the new account (required)")
	username := fs.String("username", "", "username of the new account (required)")
	rest, err := parseFlags(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if *emailAddr == "" || *username == "" || len(rest) > 0 {
		fs.Usage()
		return errors.New("createuser needs --email and --username")
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, getenv, *envFile, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.CreateUser(ctx, *username, *emailAddr, password)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "created user %d: %s <%s>\n", u.ID, u.Username, u.Email)
	return nil
}

// readPassword asks twice on a terminal, without echo; otherwise it reads one line.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(stderr, "Password (again): ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(first) != string(second) {
			return "", errors.New("the passwords do not match")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// userError shows a rule's refusal as a client would read it, with the field at fault. An
// internal error stays whole, cause and all: this is the operator's own terminal; so does the
// cause of an unavailable database, after the message a client reads.
func userError(err error) error {
	switch account.ErrorCode(err) {
	case account.CodeInternal:
		return err
	case account.CodeUnavailable:
		return fmt.Errorf("%s (%w)", account.ErrorMessage(err), err)
	}
	var fields account.FieldErrors
	if errors.As(err, &fields) {
		lines := make([]string, len(fields))
		for i, f := range fields {
			lines[i] = f.Field + ": " + f.Message
		}
		return errors.New(strings.Join(lines, "\n"))
	}
	var e *account.Error
	if errors.As(err, &e) && e.Field != "" {
		return fmt.Errorf("%s: %s", e.Field, account.ErrorMessage(err))
	}
	return errors.New(account.ErrorMessage(err))
}

var sampleUsers = []struct{ username, email string }{
	{"alice", "alice@example.com"},
	{"bob", "bob@example.com"},
	{"carol", "carol@example.com"},
	{"dave", "dave@example.com"},
}

func populate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, envFile := commandFlags("populate", "Usage: server populate [--env-file PATH]\n\n"+
		"Creates sample accounts for development and prints those it created, with their password.\n"+
		"Accounts that exist already are left alone. Refused when APP_ENV=production.\n\n", stderr)
	if rest, err := parseFlags(fs, args, stdout, stderr); err != nil || len(rest) > 0 {
		return orUsage(fs, err, "populate takes no arguments")
	}
	a, err := openApp(ctx, getenv, *envFile, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Config.Production() {
		return errors.New("populate makes accounts with a published password: refused with APP_ENV=production")
	}
	password := "sample-" + rand.Text()[:12]
	created := 0
	for _, s := range sampleUsers {
		u, err := a.Accounts.CreateUser(ctx, s.username, s.email, password)
		if err != nil && account.ErrorCode(err) == account.CodeBadUserInput {
			fmt.Fprintf(stdout, "  %-6s %-18s already exists, left alone\n", s.username, s.email)
			continue
		}
		if err != nil {
			return userError(err)
		}
		created++
		fmt.Fprintf(stdout, "  %-6s %-18s created (id %d)\n", u.Username, u.Email, u.ID)
	}
	if created == 0 {
		fmt.Fprintln(stdout, "no account created: every sample account exists already, with the password printed when it was made")
		return nil
	}
	fmt.Fprintf(stdout, "password of the %d account(s) created: %s\n", created, password)
	return nil
}
