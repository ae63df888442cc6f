package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/email/emailtest"
)

// runCLI runs the binary and returns its combined output and whether it exited 0.
func runCLI(tb testing.TB, dir string, env map[string]string, stdin string, args ...string) (string, bool) {
	tb.Helper()
	cmd := command(tb, dir, env, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// wantCLI runs the binary and fails unless it exits as ok says with every one of wants in its output.
func wantCLI(tb testing.TB, dir string, env map[string]string, ok bool, wants []string, args ...string) string {
	tb.Helper()
	out, exitedOK := runCLI(tb, dir, env, "", args...)
	if exitedOK != ok {
		tb.Errorf("%v: exited ok = %v, want %v:\n%s", args, exitedOK, ok, out)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			tb.Errorf("%v: output lacks %q:\n%s", args, w, out)
		}
	}
	return out
}

type listed struct {
	ID            int       `json:"id"`
	Username      string    `json:"username"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"`
	Disabled      bool      `json:"disabled"`
	CreatedAt     time.Time `json:"createdAt"`
}

func listJSON(tb testing.TB, dir string, env map[string]string, args ...string) []listed {
	tb.Helper()
	cmd := command(tb, dir, env, append([]string{"users", "list", "--json"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("users list --json: %v", err)
	}
	var rows []listed
	if err := json.Unmarshal(out, &rows); err != nil {
		tb.Fatalf("users list --json is not a JSON array: %v\n%s", err, out)
	}
	return rows
}

func TestUsersCommands(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)

	t.Run("ErrNoDatabase", func(t *testing.T) {
		wantCLI(t, dir, env, false, []string{"does not exist"}, "users", "list")
		if _, err := os.Stat(filepath.Join(dir, "cli.db")); err == nil {
			t.Error("users list created the database")
		}
	})
	wantCLI(t, dir, env, true, nil, "migrate", "up")
	t.Run("Empty", func(t *testing.T) {
		wantCLI(t, dir, env, true, []string{"no accounts"}, "users", "list")
		if rows := listJSON(t, dir, env); rows == nil || len(rows) != 0 {
			t.Errorf("--json of no accounts = %v, want []", rows)
		}
	})
	wantCLI(t, dir, env, true, nil, "populate")
	t.Run("List", func(t *testing.T) {
		out := wantCLI(t, dir, env, true, []string{"ID", "USERNAME", "EMAIL", "VERIFIED", "DISABLED", "CREATED"}, "users", "list")
		if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 5 || !strings.HasPrefix(strings.Fields(lines[2])[0], "2") ||
			!slices.Equal(strings.Fields(lines[2])[1:5], []string{"bob", "bob@example.com", "no", "no"}) {
			t.Errorf("want a header and 4 rows, bob's second:\n%s", out)
		}
		out = wantCLI(t, dir, env, true, []string{"bob@example.com"}, "users", "list", "--search", "BO")
		for _, other := range []string{"alice", "carol", "dave"} {
			if strings.Contains(out, other) {
				t.Errorf("--search BO lists %s:\n%s", other, out)
			}
		}
		wantCLI(t, dir, env, true, []string{"carol@example.com"}, "users", "list", "--search", "CAROL@EX")
		cmd := command(t, dir, env, "createuser", "--username", "ZoeQ", "--email", "z@example.org")
		cmd.Stdin = strings.NewReader("a long enough password\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("createuser: %v\n%s", err, out)
		}
		wantCLI(t, dir, env, true, []string{"ZoeQ"}, "users", "list", "--search", "zOEq")
		wantCLI(t, dir, env, true, []string{`no accounts match "zed"`}, "users", "list", "--search", "zed")
		rows := listJSON(t, dir, env, "--search", "dave")
		if len(rows) != 1 || rows[0].Username != "dave" || rows[0].Email != "dave@example.com" || rows[0].ID != 4 ||
			rows[0].Disabled || rows[0].CreatedAt.IsZero() {
			t.Errorf("--json --search dave = %+v", rows)
		}
	})
	t.Run("DisableEnable", func(t *testing.T) {
		wantCLI(t, dir, env, true, []string{"disabled bob@example.com (id 2); 0 sessions ended"}, "users", "disable", "Bob@Example.com")
		if rows := listJSON(t, dir, env, "--search", "bob"); len(rows) != 1 || !rows[0].Disabled {
			t.Errorf("after disable: %+v", rows)
		}
		wantCLI(t, dir, env, true, []string{"bob@example.com (id 2) was disabled already"}, "users", "disable", "bob@example.com")
		wantCLI(t, dir, env, true, []string{"enabled bob@example.com (id 2)"}, "users", "enable", "bob@example.com")
		if rows := listJSON(t, dir, env, "--search", "bob"); len(rows) != 1 || rows[0].Disabled {
			t.Errorf("after enable: %+v", rows)
		}
		wantCLI(t, dir, env, true, []string{"bob@example.com (id 2) is not disabled"}, "users", "enable", "bob@example.com")
	})
	t.Run("ErrUnknownEmail", func(t *testing.T) {
		for _, action := range []string{"disable", "enable", "delete"} {
			wantCLI(t, dir, env, false, []string{"no account has this email: nobody@example.com"}, "users", action, "nobody@example.com", "--yes")
		}
		wantCLI(t, dir, env, false, []string{"email: Enter a valid email address"}, "users", "disable", "not-an-address")
	})
	t.Run("Delete", func(t *testing.T) {
		out, ok := runCLI(t, dir, env, "", "users", "delete", "carol@example.com")
		if ok || !strings.Contains(out, "Delete carol") || !strings.Contains(out, "not deleted: not confirmed") {
			t.Errorf("delete without --yes or an answer: ok %v\n%s", ok, out)
		}
		out, ok = runCLI(t, dir, env, "no\n", "users", "delete", "carol@example.com")
		if ok || len(listJSON(t, dir, env, "--search", "carol")) != 1 {
			t.Errorf("delete answered no: ok %v, or carol is gone\n%s", ok, out)
		}
		out, ok = runCLI(t, dir, env, "y\n", "users", "delete", "carol@example.com")
		if !ok || !strings.Contains(out, "deleted carol@example.com (id 3) with its 0 active sessions") {
			t.Errorf("delete answered y: ok %v\n%s", ok, out)
		}
		wantCLI(t, dir, env, true, []string{"deleted dave@example.com (id 4)"}, "users", "delete", "--yes", "dave@example.com")
		if rows := listJSON(t, dir, env); len(rows) != 3 {
			t.Errorf("after two deletes: %+v", rows)
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		wantCLI(t, dir, env, false, []string{"Usage: server users list"}, "users")
		wantCLI(t, dir, env, false, []string{"Usage: server users list"}, "users", "disable")
		wantCLI(t, dir, env, false, []string{"Usage: server users list"}, "users", "list", "extra")
		wantCLI(t, dir, env, true, []string{"Usage: server users list", "-search"}, "help", "users")
	})
}

// gql posts an operation to a running server and returns the answer's body and first error code.
func gql(tb testing.TB, p *Process, token, query string, vars map[string]any) (body []byte, code string) {
	tb.Helper()
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/graphql", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	buf := new(bytes.Buffer)
	buf.ReadFrom(resp.Body)
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		tb.Fatalf("not JSON: %s", buf)
	}
	if len(r.Errors) > 0 {
		code = r.Errors[0].Extensions.Code
	}
	return buf.Bytes(), code
}

const (
	loginDoc  = `mutation($e:String!,$p:String!){login(input:{email:$e,password:$p}){accessToken refreshToken}}`
	meDoc     = `{me{email}}`
	forgotDoc = `mutation($e:String!){forgotPassword(input:{email:$e}){message}}`
)

type tokens struct {
	Data map[string]struct {
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
	} `json:"data"`
}

// TestUsersDisableStopsRunningServer: `server users disable`, a process of its own on the
// running server's SQLite file, refuses that server's access tokens within the cache's second,
// its refresh tokens and logins (answered as for an unknown address), and its reset mail.
func TestUsersDisableStopsRunningServer(t *testing.T) {
	dir := t.TempDir()
	srv := emailtest.Start(t, emailtest.Options{})
	env := mailEnv(dir, srv)
	p := startServer(t, dir, env)
	register := `mutation($u:String!,$e:String!){register(input:{username:$u,email:$e,password:"first-password-1"}){accessToken}}`
	for _, u := range []string{"alice", "bob"} {
		if _, code := gql(t, p, "", register, map[string]any{"u": u, "e": u + "@example.com"}); code != "" {
			t.Fatalf("register %s: %s", u, code)
		}
	}
	body, _ := gql(t, p, "", loginDoc, map[string]any{"e": "alice@example.com", "p": "first-password-1"})
	var s tokens
	if err := json.Unmarshal(body, &s); err != nil || s.Data["login"].AccessToken == "" {
		t.Fatalf("login: %s", body)
	}
	access, refresh := s.Data["login"].AccessToken, s.Data["login"].RefreshToken
	if _, code := gql(t, p, access, meDoc, nil); code != "" {
		t.Fatalf("me before disabling: %s", code)
	}

	wantCLI(t, dir, env, true, []string{"disabled alice@example.com (id 1); 2 sessions ended"}, "users", "disable", "alice@example.com")
	start, deadline := time.Now(), time.Now().Add(5*time.Second)
	for _, code := gql(t, p, access, meDoc, nil); code != "UNAUTHENTICATED"; _, code = gql(t, p, access, meDoc, nil) {
		if time.Now().After(deadline) {
			t.Fatalf("the running server still takes the disabled account's access token after 5 s (me: %q)", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("access token refused %v after the command returned", time.Since(start).Round(time.Millisecond))

	if _, code := gql(t, p, "", `mutation($r:String!){refreshSession(input:{refreshToken:$r}){accessToken}}`, map[string]any{"r": refresh}); code != "UNAUTHENTICATED" {
		t.Errorf("refresh of the disabled account: %q, want UNAUTHENTICATED", code)
	}
	disabled, _ := gql(t, p, "", loginDoc, map[string]any{"e": "alice@example.com", "p": "first-password-1"})
	unknown, _ := gql(t, p, "", loginDoc, map[string]any{"e": "nobody@example.com", "p": "first-password-1"})
	if !bytes.Equal(disabled, unknown) {
		t.Errorf("login of the disabled account answered differently from an unknown address's:\n%s\n%s", disabled, unknown)
	}

	forgotAlice, _ := gql(t, p, "", forgotDoc, map[string]any{"e": "alice@example.com"})
	forgotBob, _ := gql(t, p, "", forgotDoc, map[string]any{"e": "bob@example.com"})
	if !bytes.Equal(forgotAlice, forgotBob) {
		t.Errorf("forgotPassword answered differently:\n%s\n%s", forgotAlice, forgotBob)
	}
	srv.Wait(t, 1, 10*time.Second) // bob's, asked for after alice's: the worker has been at it
	db := openSQLite(t, filepath.Join(dir, "cli.db"))
	for deadline := time.Now().Add(10 * time.Second); count(t, db, `SELECT COUNT(*) FROM mail_outbox`) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("alice's reset request is still in the outbox after 10 s")
		}
	}
	for _, m := range srv.Messages() {
		if slices.Contains(m.To, "alice@example.com") {
			t.Errorf("the disabled account was mailed %q", m.Parsed.Subject)
		}
	}

	wantCLI(t, dir, env, true, []string{"enabled alice@example.com (id 1)"}, "users", "enable", "alice@example.com")
	if _, code := gql(t, p, "", loginDoc, map[string]any{"e": "alice@example.com", "p": "first-password-1"}); code != "" {
		t.Errorf("login after enable: %q", code)
	}
	wantCLI(t, dir, env, true, []string{"deleted alice@example.com (id 1) with its 1 active session"}, "users", "delete", "alice@example.com", "--yes")
	if n := count(t, db, `SELECT COUNT(*) FROM sessions WHERE user_id = 1`) +
		count(t, db, `SELECT COUNT(*) FROM refresh_tokens WHERE session_id NOT IN (SELECT id FROM sessions)`); n != 0 {
		t.Errorf("%d sessions or refresh tokens of alice left after delete", n)
	}
}

func count(tb testing.TB, db *sql.DB, query string) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}
