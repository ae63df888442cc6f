package email_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"latchkey/email"
	"latchkey/email/emailtest"
)

func TestSMTPTransportReusesConnection(t *testing.T) {
	srv := emailtest.Start(t, emailtest.Options{StartTLS: true, Auth: &emailtest.Credentials{Username: "ada", Password: "pw"}})
	cfg := smtpConfig(srv)
	cfg.UseTLS, cfg.Username, cfg.Password = true, "ada", "pw"
	cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
	tr := mustTransport(t, cfg)
	for i := range 5 {
		if err := tr.Send(context.Background(), testMessage()); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if got := len(srv.Messages()); got != 5 {
		t.Fatalf("server received %d messages, want 5", got)
	}
	if got := srv.Connections(); got != 1 {
		t.Errorf("5 messages took %d connections, want 1", got)
	}
	for _, m := range srv.Messages() {
		if m.AuthUser != "ada" || !m.TLS {
			t.Errorf("a message on the kept connection lost AUTH or TLS: user %q, TLS %v", m.AuthUser, m.TLS)
		}
	}
}

func TestSMTPTransportReconnectsWhenServerDropsIdleConnection(t *testing.T) {
	srv := emailtest.Start(t, emailtest.Options{})
	tr := mustTransport(t, smtpConfig(srv))
	if err := tr.Send(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	srv.DropConnections()
	if err := tr.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("send after the server closed the idle connection: %v", err)
	}
	if got := len(srv.Messages()); got != 2 {
		t.Fatalf("server received %d messages, want 2", got)
	}
	if got := srv.Connections(); got != 2 {
		t.Errorf("connections = %d, want 2 (the dropped one and its replacement)", got)
	}
}

func TestSMTPTransportConcurrentSendsShareConnections(t *testing.T) {
	srv := emailtest.Start(t, emailtest.Options{Delay: 20 * time.Millisecond})
	tr := mustTransport(t, smtpConfig(srv))
	const senders, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for range senders {
		wg.Go(func() {
			for range each {
				errs <- tr.Send(context.Background(), testMessage())
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(srv.Messages()); got != senders*each {
		t.Fatalf("server received %d messages, want %d", got, senders*each)
	}
	if got := srv.Connections(); got > senders {
		t.Errorf("%d senders opened %d connections, want at most %d", senders, got, senders)
	}
}

// A server that accepts the message and then drops the connection instead of answering RSET:
// the message was delivered, so the send succeeded and must not be retried.
func TestSMTPTransportDeliveredMessageIsNotResent(t *testing.T) {
	accepted := make(chan string, 10)
	addr := hangUpOnReset(t, accepted)
	host, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscan(port, &p)
	tr := mustTransport(t, email.SMTPConfig{Host: host, Port: p, From: "noreply@example.com", ConnectTimeout: 5 * time.Second, SendTimeout: 10 * time.Second})
	if err := tr.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("send whose message the server accepted: %v", err)
	}
	if err := tr.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("second send: %v", err)
	}
	close(accepted)
	n := 0
	for range accepted {
		n++
	}
	if n != 2 {
		t.Errorf("server accepted %d messages for 2 sends, want 2", n)
	}
}

// hangUpOnReset serves just enough SMTP to take messages, and closes the connection when the
// client sends RSET. It reports each accepted message's first line on accepted.
func hangUpOnReset(t *testing.T, accepted chan<- string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { serveUntilReset(c, accepted) })
		}
	})
	return ln.Addr().String()
}

func serveUntilReset(c net.Conn, accepted chan<- string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	reply := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
	reply("220 test ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
		case "EHLO", "HELO":
			reply("250 test")
		case "RSET":
			return
		case "QUIT":
			reply("221 bye")
			return
		case "DATA":
			reply("354 go on")
			var first string
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				if first == "" {
					first = l
				}
			}
			accepted <- first
			reply("250 queued")
		default: // NOOP, MAIL, RCPT
			reply("250 ok")
		}
	}
}
