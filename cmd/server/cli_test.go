package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"latchkey/account"
)

// testSecret is random-looking, so that APP_ENV=production accepts it.
const testSecret = "cli-only:k64OnHkyGxNUteVg9gZEWzMfSy6cuopr"

func baseEnv(dir string) map[string]string {
	return map[string]string{
		"SECRET_KEY":   testSecret,
		"DATABASE_URL": "sqlite:" + filepath.Join(dir, "cli.db"),
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}} {
		out, err := command(t, t.TempDir(), nil, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		for _, want := range []string{"serve", "createuser", "populate", "users", "keys", "version"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%v does not list %q:\n%s", args, want, out)
			}
		}
	}
	for _, sub := range []string{"serve", "createuser", "populate", "migrate", "users"} {
		out, err := command(t, t.TempDir(), nil, sub, "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "-env-file") {
			t.Errorf("%s --help: err %v, output:\n%s", sub, err, out)
		}
	}
}

func TestVersion(t *testing.T) {
	out, err := command(t, t.TempDir(), nil, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "latchkey ") {
		t.Fatalf("version: %v %q", err, out)
	}
}

func TestUnknownCommandFails(t *testing.T) {
	out, err := command(t, t.TempDir(), nil, "frobnicate").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unknown command "frobnicate"`) {
		t.Fatalf("want a failure naming the command, got %v:\n%s", err, out)
	}
}

func TestInvalidSettingsStopTheStart(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	env["PORT"] = "eighty"
	env["SECRET_KEY"] = "short-secret"
	out, err := command(t, dir, env, "serve").CombinedOutput()
	if err == nil {
		t.Fatal("server started with invalid settings")
	}
	for _, want := range []string{"PORT", "SECRET_KEY"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("error does not name %s:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "short-secret") {
		t.Errorf("error shows the secret:\n%s", out)
	}
}

func TestCreateUser(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)

	t.Run("OK", func(t *testing.T) {
		cmd := command(t, dir, env, "createuser", "--email", "Root@Example.com", "--username", "root")
		cmd.Stdin = strings.NewReader("a long enough password\n")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("createuser: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "root <root@example.com>") {
			t.Errorf("output does not show the account: %s", out)
		}
		if strings.Contains(string(out), "a long enough password") {
			t.Errorf("output shows the password: %s", out)
		}
		var hash string
		db := openSQLite(t, filepath.Join(dir, "cli.db"))
		if err := db.QueryRow(`SELECT password_hash FROM users WHERE email = 'root@example.com'`).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("stored hash %q is not argon2id", hash)
		}
	})
	t.Run("ErrPasswordTooShort", func(t *testing.T) {
		cmd := command(t, dir, env, "createuser", "--email", "other@example.com", "--username", "other")
		cmd.Stdin = strings.NewReader("short\n")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "password: Password must be at least 8 characters") {
			t.Fatalf("want a refusal naming the password rule, got %v:\n%s", err, out)
		}
	})
	t.Run("ErrEmailTaken", func(t *testing.T) {
		cmd := command(t, dir, env, "createuser", "--email", "ROOT@example.com", "--username", "root2")
		cmd.Stdin = strings.NewReader("a long enough password\n")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "email: An account with this email already exists") {
			t.Fatalf("want a refusal for the taken email, got %v:\n%s", err, out)
		}
	})
	t.Run("ErrMissingFlags", func(t *testing.T) {
		out, err := command(t, dir, env, "createuser", "--email", "x@example.com").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--username") {
			t.Fatalf("want usage, got %v:\n%s", err, out)
		}
	})
}

func TestPopulate(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	out, err := command(t, dir, env, "populate").CombinedOutput()
	if err != nil {
		t.Fatalf("populate: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), " created (id "); n != 4 {
		t.Errorf("want 4 accounts created, output:\n%s", out)
	}
	if !strings.Contains(string(out), "password of the 4 account(s) created: sample-") {
		t.Errorf("the first run does not print the password it set:\n%s", out)
	}
	out, err = command(t, dir, env, "populate").CombinedOutput()
	if err != nil || strings.Count(string(out), "already exists") != 4 {
		t.Errorf("second run should leave the 4 accounts alone: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "sample-") || !strings.Contains(string(out), "no account created") {
		t.Errorf("a run that set no password prints one, or does not say it created nothing:\n%s", out)
	}
	env["APP_ENV"] = "production"
	env["MAIL_SERVER"] = "mail.example.com"
	env["FRONTEND_URL"] = "https://accounts.example.com"
	out, err = command(t, dir, env, "populate").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "refused") {
		t.Errorf("populate ran in production: %v\n%s", err, out)
	}
}

func TestServeStartsAndStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir, baseEnv(dir))
	resp, err := http.Get(p.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 20*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.Logs())
	}
	if !strings.Contains(p.Logs(), "mails are written to the log") {
		t.Errorf("no start-up warning about the log mailer:\n%s", p.Logs())
	}
}

func openSQLite(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_fk=1")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestMigrateCommands(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	env["AUTO_MIGRATE"] = "false"

	if err := os.WriteFile(filepath.Join(dir, "cli.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := command(t, dir, env, "migrate", "status").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "pending") || !strings.Contains(string(out), "none (empty database)") {
		t.Fatalf("status of an empty database: %v\n%s", err, out)
	}
	out, err = command(t, dir, env, "serve").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "run `server migrate up`") {
		t.Fatalf("serve on an unmigrated database with AUTO_MIGRATE=false: %v\n%s", err, out)
	}
	out, err = command(t, dir, env, "migrate", "up").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "applied ") {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	out, err = command(t, dir, env, "migrate", "up").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "nothing to apply") {
		t.Fatalf("second migrate up: %v\n%s", err, out)
	}
	out, err = command(t, dir, env, "migrate", "status").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "up to date") || strings.Contains(string(out), "pending") {
		t.Fatalf("status after up: %v\n%s", err, out)
	}
	p := startServer(t, dir, env)
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t, 20*time.Second); err != nil {
		t.Fatalf("server on the migrated database: %v", err)
	}
	out, err = command(t, dir, env, "migrate", "sideways").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "up|status") {
		t.Fatalf("unknown migrate action: %v\n%s", err, out)
	}
}

func TestUserError(t *testing.T) {
	cause := fmt.Errorf("create user: %w", errors.New("disk I/O error"))
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"ErrWithField": {&account.Error{Code: account.CodeBadUserInput, Field: "email", Message: "Enter a valid email address"}, "email: Enter a valid email address"},
		"ErrEveryField": {account.FieldErrors{
			{Code: account.CodeBadUserInput, Field: "username", Message: "Username must be 3 to 64 characters"},
			{Code: account.CodeBadUserInput, Field: "email", Message: "Enter a valid email address"},
		}, "username: Username must be 3 to 64 characters\nemail: Enter a valid email address"},
		"ErrWithoutField": {fmt.Errorf("wrapped: %w", &account.Error{Code: account.CodeRateLimited, Message: "Too many requests, try again later"}), "Too many requests, try again later"},
		// The operator's own terminal: the cause is what they need.
		"ErrInternal": {cause, "create user: disk I/O error"},
		"ErrUnavailable": {fmt.Errorf("create user: %w", context.DeadlineExceeded),
			"Temporarily unavailable, try again in a few seconds (create user: context deadline exceeded)"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := userError(tc.err).Error(); got != tc.want {
				t.Errorf("userError = %q, want %q", got, tc.want)
			}
		})
	}
}
