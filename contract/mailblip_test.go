package contract_test

import (
	"context"
	"database/sql"
	"net/url"
	"sync"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
	"latchkey/outbox"
)

// blip is a database fault that begins the moment the mail server accepts the first mail, from
// inside its answer, and ends when the test says: on PostgreSQL the connections go silent
// (through a proxy) and are then reset; on SQLite an operator's transaction holds the write
// lock for longer than the server's busy timeout.
type blip struct {
	begin, end func()
	once       sync.Once
	begun      chan struct{}
}

func (b *blip) onAccept(emailtest.Received) { b.once.Do(func() { b.begin(); close(b.begun) }) }

// TestSentMailSurvivesDatabaseBlip: the database goes away right after the mail server has
// accepted a reset mail, and comes back. The user gets that one mail, and its link works: the
// row of the sent mail is deleted once the database answers, not sent again with a new token.
func TestSentMailSurvivesDatabaseBlip(t *testing.T) {
	b := &blip{begun: make(chan struct{})}
	setup := apptest.Setup{
		SMTP:   emailtest.Options{OnAccept: b.onAccept},
		Outbox: outbox.Options{Lease: time.Second}, // runs out during the blip
	}
	var proxy *apptest.Proxy
	direct := ""
	if apptest.PostgresURL() != "" {
		direct = apptest.FreshDatabase(t)
		u, err := url.Parse(direct)
		if err != nil {
			t.Fatal(err)
		}
		proxy = apptest.StartProxy(t, u.Host)
		u.Host = proxy.Addr()
		setup.DatabaseURL = u.String()
	}
	env := apptest.Start(t, setup)
	db := env.OpenDB(t)
	if proxy != nil { // the test's own look goes around the proxy
		var err error
		if db, err = sql.Open("pgx", direct); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
	}
	hold := 11 * time.Second // past SQLite's 10 s busy timeout: the delete fails
	if proxy != nil {
		hold = 2 * time.Second
		b.begin, b.end = proxy.Stall, func() { proxy.Reset(); time.Sleep(hold); proxy.Resume() }
	} else {
		lock, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Close()
		b.begin = func() {
			if _, err := lock.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
				t.Errorf("take the write lock: %v", err)
			}
		}
		b.end = func() {
			time.Sleep(hold)
			if _, err := lock.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Errorf("release the write lock: %v", err)
			}
		}
	}
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, forgot(t, env, "alice@example.com"))

	<-b.begun
	time.Sleep(500 * time.Millisecond) // the server is deleting the row by now
	b.end()
	deadline := time.Now().Add(hold + 20*time.Second)
	for count(t, db, `SELECT COUNT(*) FROM mail_outbox`) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the sent mail's row is still queued after the database came back:\n%s", env.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Run("OKOneMail", func(t *testing.T) {
		if n := env.SMTP.Started(); n != 1 {
			t.Errorf("%d mails reached the mail server, want 1", n)
		}
	})
	t.Run("OKLinkWorks", func(t *testing.T) {
		wantOK(t, reset(t, env, env.ResetTokenFromMail(t, 1), "second-password-2"))
	})
	t.Run("OKLogged", func(t *testing.T) {
		if !logLine(env.Logs(), "level=WARN", "cannot delete sent mail") {
			t.Errorf("no warning about the failed delete:\n%s", env.Logs())
		}
	})
}
