package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// outputs runs the binary and returns its exit code, standard output and standard error. A run
// past a minute (a server that started when it should have refused) is killed.
func outputs(tb testing.TB, cmd *exec.Cmd) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	kill := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() })
	defer kill.Stop()
	err := cmd.Wait()
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		tb.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

func TestHelpCommandIsCommandHelp(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"serve", "createuser", "migrate", "populate", "keys"} {
		t.Run(sub, func(t *testing.T) {
			code, viaHelp, errOut := outputs(t, command(t, dir, nil, "help", sub))
			if code != 0 || !strings.HasPrefix(viaHelp, "Usage: server") || errOut != "" {
				t.Fatalf("help %s = %d, stdout:\n%s\nstderr:\n%s", sub, code, viaHelp, errOut)
			}
			code, viaFlag, _ := outputs(t, command(t, dir, nil, sub, "--help"))
			if code != 0 || viaFlag != viaHelp {
				t.Errorf("%s --help = %d and differs from help %s:\n%s\n---\n%s", sub, code, sub, viaFlag, viaHelp)
			}
		})
	}
	t.Run("ErrUnknown", func(t *testing.T) {
		if code, _, errOut := outputs(t, command(t, dir, nil, "help", "frobnicate")); code == 0 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
			t.Errorf("help frobnicate = %d, stderr:\n%s", code, errOut)
		}
	})
}

func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	delete(env, "DATABASE_URL")
	env["PORT"], env["METRICS_ADDR"] = "0", "127.0.0.1:0" // should a serve not refuse
	envFile := filepath.Join(dir, "other.env")
	db := filepath.Join(dir, "from-file.db")
	if err := os.WriteFile(envFile, []byte("DATABASE_URL=sqlite:"+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrNamedFileMissing", func(t *testing.T) {
		missing := filepath.Join(dir, "typo.env")
		for _, args := range [][]string{
			{"serve", "--env-file", missing}, {"--env-file", missing}, {"migrate", "up", "--env-file", missing},
			{"populate", "--env-file", missing}, {"createuser", "--email", "a@example.com", "--username", "a", "--env-file", missing},
		} {
			code, _, errOut := outputs(t, command(t, dir, env, args...))
			if code == 0 || !strings.Contains(errOut, "--env-file "+missing+": no such file") {
				t.Errorf("%v = %d, want a refusal naming the file; stderr:\n%s", args, code, errOut)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "blog.db")); err == nil {
			t.Error("a command with a missing --env-file went on and opened the default database")
		}
	})
	t.Run("FlagAfterSubcommand", func(t *testing.T) {
		code, out, errOut := outputs(t, command(t, dir, env, "migrate", "up", "--env-file", envFile))
		if code != 0 || !strings.Contains(out, "applied ") {
			t.Fatalf("migrate up --env-file = %d\n%s%s", code, out, errOut)
		}
		code, out, errOut = outputs(t, command(t, dir, env, "migrate", "status", "--env-file", envFile))
		if code != 0 || !strings.Contains(out, "database  sqlite:"+db) || !strings.Contains(out, "up to date") {
			t.Errorf("migrate status --env-file = %d, want the file's database:\n%s%s", code, out, errOut)
		}
	})
	t.Run("DefaultMayBeAbsent", func(t *testing.T) {
		env := baseEnv(dir)
		code, out, errOut := outputs(t, command(t, dir, env, "migrate", "up"))
		if code != 0 || !strings.Contains(out, "applied ") {
			t.Errorf("migrate up without a .env = %d\n%s%s", code, out, errOut)
		}
	})
}

func TestMigrateStatusNeverCreatesADatabase(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := outputs(t, command(t, dir, baseEnv(dir), "migrate", "status"))
	if code == 0 || !strings.Contains(errOut, "cli.db does not exist") || !strings.Contains(errOut, "server migrate up") {
		t.Errorf("status of a missing file = %d, want a refusal that says what to do\n%s%s", code, out, errOut)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("migrate status left %s behind", e.Name())
	}
}

func TestPopulateSaysWhatItCreated(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	create := command(t, dir, env, "createuser", "--email", "bob@example.com", "--username", "bob")
	create.Stdin = strings.NewReader("bob's own long password\n")
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("createuser: %v\n%s", err, out)
	}
	code, out, errOut := outputs(t, command(t, dir, env, "populate"))
	if code != 0 {
		t.Fatalf("populate = %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"alice  alice@example.com  created", "bob    bob@example.com    already exists", "password of the 3 account(s) created: sample-"} {
		if !strings.Contains(out, want) {
			t.Errorf("populate does not say %q:\n%s", want, out)
		}
	}
}

// TestErrorsPrintedOnce: a mistake on the command line is said once, after the help, and exits 1.
func TestErrorsPrintedOnce(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := outputs(t, command(t, dir, baseEnv(dir), "migrate", "--bogus", "status"))
	if code != 1 || out != "" || strings.Count(errOut, "-bogus") != 1 || !strings.Contains(errOut, "Usage: server migrate") {
		t.Errorf("migrate --bogus = %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
}
