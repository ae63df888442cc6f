package main

import (
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"latchkey/email/emailtest"
)

// hungRelay accepts SMTP connections and never says a word, as a mail server that hangs.
func hungRelay(tb testing.TB) (host string, port int) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	a := ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// TestSIGTERMWithHungRelayExitsInTime: told to stop while the mail server hangs with several
// mails in flight, the server exits cleanly within SHUTDOWN_TIMEOUT_SECONDS; restarted with a
// mail server that answers, it sends every queued mail exactly once.
func TestSIGTERMWithHungRelayExitsInTime(t *testing.T) {
	const users, budget = 5, 3 * time.Second
	dir := t.TempDir()
	db := openDBFile(t, filepath.Join(dir, "cli.db"))
	env := baseEnv(dir)
	host, port := hungRelay(t)
	env["MAIL_SERVER"], env["MAIL_PORT"], env["MAIL_USE_TLS"] = host, fmt.Sprint(port), "false"
	env["OUTBOX_LEASE_SECONDS"] = "1" // the restart takes the abandoned mail over at once
	env["SHUTDOWN_TIMEOUT_SECONDS"] = fmt.Sprint(int(budget.Seconds()))
	p := startServer(t, dir, env)
	for i := range users {
		graphQL(t, p, `mutation($u:String!,$e:String!){register(input:{username:$u,email:$e,password:"first-password-1"}){accessToken}}`,
			map[string]any{"u": fmt.Sprintf("user%d", i), "e": fmt.Sprintf("user%d@example.com", i)})
		graphQL(t, p, `mutation($e:String!){forgotPassword(input:{email:$e}){message}}`, map[string]any{"e": fmt.Sprintf("user%d@example.com", i)})
	}

	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	t.Run("ExitsWithinTheBudget", func(t *testing.T) {
		if err := p.Wait(t, budget+time.Second); err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.Logs())
		}
	})
	t.Run("MailStillQueued", func(t *testing.T) {
		if n := queuedResetMails(t, db); n != users {
			t.Fatalf("%d reset mails queued, want %d", n, users)
		}
	})

	relay := emailtest.Start(t, emailtest.Options{})
	env["MAIL_SERVER"], env["MAIL_PORT"] = relay.Host(), fmt.Sprint(relay.Port())
	startServer(t, dir, env)
	t.Run("EachSentOnceAfterRestart", func(t *testing.T) {
		relay.Wait(t, users, 30*time.Second)
		deadline := time.Now().Add(30 * time.Second)
		for queuedResetMails(t, db) != 0 {
			if time.Now().After(deadline) {
				t.Fatal("reset mails still queued 30 s after the restart")
			}
			time.Sleep(10 * time.Millisecond)
		}
		seen := map[string]int{}
		for _, m := range relay.Messages() {
			seen[m.To[0]]++
		}
		for i := range users {
			if to := fmt.Sprintf("user%d@example.com", i); seen[to] != 1 {
				t.Errorf("%s got %d mails, want 1", to, seen[to])
			}
		}
	})
}
