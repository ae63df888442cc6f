package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"latchkey/email/emailtest"
)

// mailEnv is baseEnv sending mail to srv, with a one-second outbox lease so that a restart
// takes over a dead server's mail at once.
func mailEnv(dir string, srv *emailtest.Server) map[string]string {
	env := baseEnv(dir)
	env["MAIL_SERVER"] = srv.Host()
	env["MAIL_PORT"] = strconv.Itoa(srv.Port())
	env["MAIL_USE_TLS"] = "false"
	env["OUTBOX_LEASE_SECONDS"] = "1"
	return env
}

// graphQL posts an operation to a running server and fails the test on any error.
func graphQL(tb testing.TB, p *Process, query string, vars map[string]any) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(p.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		tb.Fatalf("%s: HTTP %d, errors %s (%v)", strings.Fields(query)[0], resp.StatusCode, r.Errors, err)
	}
}

func registerAndForget(tb testing.TB, p *Process) {
	tb.Helper()
	graphQL(tb, p, `mutation{register(input:{username:"alice",email:"alice@example.com",password:"first-password-1"}){accessToken}}`, nil)
	graphQL(tb, p, `mutation{forgotPassword(input:{email:"alice@example.com"}){message}}`, nil)
}

// openDBFile opens a server's SQLite file beside the running server.
func openDBFile(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_fk=1&_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func queuedResetMails(tb testing.TB, db *sql.DB) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE kind = 'password_reset'`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestKillDuringSendLosesNoMail: a server killed with SIGKILL while the mail server is still
// taking its reset mail has not sent it; the next server on the same database sends it, and the
// link in it resets the password.
func TestKillDuringSendLosesNoMail(t *testing.T) {
	dir := t.TempDir()
	db := openDBFile(t, filepath.Join(dir, "cli.db"))
	slow := emailtest.Start(t, emailtest.Options{Delay: time.Minute})
	first := startServer(t, dir, mailEnv(dir, slow))
	registerAndForget(t, first)
	slow.WaitStarted(t, 1, 30*time.Second) // the worker is in the middle of the send

	t.Run("QueuedBeforeTheKill", func(t *testing.T) {
		if n := queuedResetMails(t, db); n != 1 {
			t.Fatalf("%d reset mails queued, want 1", n)
		}
	})
	if err := first.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait(t, 10*time.Second)
	if err := slow.Close(); err != nil { // a send cut off by the kill gets no 250, so it was not sent
		t.Fatal(err)
	}
	t.Run("NothingSentBeforeTheKill", func(t *testing.T) {
		if n := slow.Count(); n != 0 {
			t.Fatalf("the mail server accepted %d mails", n)
		}
		if n := queuedResetMails(t, db); n != 1 {
			t.Fatalf("%d reset mails queued after the kill, want 1", n)
		}
	})

	fast := emailtest.Start(t, emailtest.Options{})
	second := startServer(t, dir, mailEnv(dir, fast))
	var token string
	t.Run("SentAfterRestart", func(t *testing.T) {
		m := fast.Wait(t, 1, 30*time.Second)[0]
		if m.Parsed == nil {
			t.Fatalf("mail is not MIME: %v", m.ParseError)
		}
		// FRONTEND_URL is not set: the link names the port the restarted server opened.
		prefix := second.URL + "/reset-password#token="
		token = strings.TrimPrefix(emailtest.ExtractLink(t, m.Parsed.Text, prefix), prefix)
	})
	t.Run("LinkResetsPassword", func(t *testing.T) {
		graphQL(t, second, `mutation($t:String!){resetPassword(input:{token:$t,newPassword:"second-password-2"}){message}}`, map[string]any{"t": token})
		graphQL(t, second, `mutation{login(input:{email:"alice@example.com",password:"second-password-2"}){accessToken}}`, nil)
	})
	t.Run("SentOnce", func(t *testing.T) {
		msgs := fast.Wait(t, 2, 30*time.Second) // the reset mail, then "your password was changed"
		if len(msgs) != 2 || !strings.Contains(msgs[1].Parsed.Subject, "changed") {
			t.Errorf("mails after the restart: %d, the second %q", len(msgs), msgs[len(msgs)-1].Parsed.Subject)
		}
	})
}

// TestSIGTERMFinishesSendInFlight: a server told to stop while the mail server is taking a mail
// waits for the mail to be accepted, removes it from the queue, and exits cleanly.
func TestSIGTERMFinishesSendInFlight(t *testing.T) {
	dir := t.TempDir()
	db := openDBFile(t, filepath.Join(dir, "cli.db"))
	smtp := emailtest.Start(t, emailtest.Options{Delay: time.Second})
	p := startServer(t, dir, mailEnv(dir, smtp))
	registerAndForget(t, p)
	smtp.WaitStarted(t, 1, 30*time.Second)

	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	t.Run("ExitsZero", func(t *testing.T) {
		if err := p.Wait(t, 30*time.Second); err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.Logs())
		}
	})
	t.Run("MailDelivered", func(t *testing.T) {
		if n := smtp.Count(); n != 1 {
			t.Fatalf("%d mails accepted, want the one in flight", n)
		}
	})
	t.Run("NotQueuedAgain", func(t *testing.T) {
		if n := queuedResetMails(t, db); n != 0 {
			t.Errorf("%d reset mails still queued: a restart would send it again", n)
		}
	})
}
