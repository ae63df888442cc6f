package email_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"latchkey/email"
	"latchkey/email/emailtest"
)

func smtpConfig(srv *emailtest.Server) email.SMTPConfig {
	return email.SMTPConfig{
		Host:           srv.Host(),
		Port:           srv.Port(),
		From:           "Latchkey <noreply@example.com>",
		ConnectTimeout: 5 * time.Second,
		SendTimeout:    10 * time.Second,
	}
}

func mustTransport(tb testing.TB, cfg email.SMTPConfig) *email.SMTPTransport {
	tb.Helper()
	tr, err := email.NewSMTPTransport(cfg)
	if err != nil {
		tb.Fatalf("NewSMTPTransport: %v", err)
	}
	tb.Cleanup(func() { _ = tr.Close() })
	return tr
}

func testMessage() email.Message {
	return email.Message{To: "ada@example.com", Subject: "Hello", Text: "plain body", HTML: "<p>html body</p>"}
}

// send delivers testMessage over a transport built from cfg.
func send(tb testing.TB, cfg email.SMTPConfig) error {
	tb.Helper()
	return mustTransport(tb, cfg).Send(context.Background(), testMessage())
}

func TestNewSMTPTransport(t *testing.T) {
	ok := email.SMTPConfig{Host: "mail.example.com", Port: 587, From: "noreply@example.com"}
	tests := []struct {
		name   string
		mutate func(*email.SMTPConfig)
	}{
		{"ErrNoHost", func(c *email.SMTPConfig) { c.Host = "" }},
		{"ErrPortZero", func(c *email.SMTPConfig) { c.Port = 0 }},
		{"ErrPortTooLarge", func(c *email.SMTPConfig) { c.Port = 70000 }},
		{"ErrBadFrom", func(c *email.SMTPConfig) { c.From = "not an address" }},
		{"ErrPasswordWithoutUsername", func(c *email.SMTPConfig) { c.Password = "secret" }},
		{"ErrNegativeTimeout", func(c *email.SMTPConfig) { c.SendTimeout = -time.Second }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.mutate(&cfg)
			if _, err := email.NewSMTPTransport(cfg); err == nil {
				t.Fatal("want error, got nil")
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		if _, err := email.NewSMTPTransport(ok); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSMTPTransportPlain(t *testing.T) {
	srv := emailtest.Start(t, emailtest.Options{})
	if err := send(t, smtpConfig(srv)); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	if got.TLS || got.AuthUser != "" {
		t.Errorf("TLS=%v AuthUser=%q, want plain and anonymous", got.TLS, got.AuthUser)
	}
	p := got.Parsed
	if p == nil {
		t.Fatalf("parse: %v", got.ParseError)
	}
	if p.Header.Get("Message-Id") == "" || !strings.HasSuffix(p.Header.Get("Message-Id"), "@example.com>") {
		t.Errorf("Message-ID = %q, want one at the sender's domain", p.Header.Get("Message-Id"))
	}
	if _, err := p.Header.Date(); err != nil {
		t.Errorf("Date header: %v", err)
	}
	if p.Text != "plain body" || !strings.Contains(p.HTML, "<p>html body</p>") {
		t.Errorf("bodies = %q / %q", p.Text, p.HTML)
	}
}

func TestSMTPTransportSTARTTLS(t *testing.T) {
	t.Run("ErrNotOffered", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{})
		cfg := smtpConfig(srv)
		cfg.UseTLS = true
		err := send(t, cfg)
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("err = %v, want a STARTTLS error", err)
		}
		if n := srv.Count(); n != 0 {
			t.Errorf("server received %d messages, want 0", n)
		}
	})
	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{StartTLS: true})
		cfg := smtpConfig(srv)
		cfg.UseTLS = true
		if err := send(t, cfg); err == nil {
			t.Fatal("want certificate error, got nil")
		}
		if n := srv.Count(); n != 0 {
			t.Errorf("server received %d messages, want 0", n)
		}
	})
	t.Run("OK", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{StartTLS: true})
		cfg := smtpConfig(srv)
		cfg.UseTLS = true
		cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
		if err := send(t, cfg); err != nil {
			t.Fatal(err)
		}
		if got := srv.Wait(t, 1, 5*time.Second)[0]; !got.TLS {
			t.Error("message did not come over TLS")
		}
	})
}

func TestSMTPTransportImplicitTLS(t *testing.T) {
	for _, tc := range []struct {
		name   string
		useTLS bool
	}{{"OK", false}, {"OKSSLWinsOverTLS", true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := emailtest.Start(t, emailtest.Options{ImplicitTLS: true})
			cfg := smtpConfig(srv)
			cfg.UseSSL, cfg.UseTLS = true, tc.useTLS
			cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
			if err := send(t, cfg); err != nil {
				t.Fatal(err)
			}
			if got := srv.Wait(t, 1, 5*time.Second)[0]; !got.TLS {
				t.Error("message did not come over TLS")
			}
		})
	}
}

func TestSMTPTransportAuth(t *testing.T) {
	creds := &emailtest.Credentials{Username: "mailer", Password: "correct-horse-42"}
	authConfig := func(srv *emailtest.Server, password string) email.SMTPConfig {
		cfg := smtpConfig(srv)
		cfg.UseTLS = true
		cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
		cfg.Username, cfg.Password = creds.Username, password
		return cfg
	}
	t.Run("OK", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{StartTLS: true, Auth: creds})
		if err := send(t, authConfig(srv, creds.Password)); err != nil {
			t.Fatal(err)
		}
		if got := srv.Wait(t, 1, 5*time.Second)[0]; got.AuthUser != creds.Username {
			t.Errorf("AuthUser = %q, want %q", got.AuthUser, creds.Username)
		}
	})
	t.Run("OKWithoutTLSOnLoopback", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{Auth: creds})
		cfg := smtpConfig(srv)
		cfg.Username, cfg.Password = creds.Username, creds.Password
		if err := send(t, cfg); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{StartTLS: true, Auth: creds})
		const wrong = "wrong-Secret-9f3a"
		err := send(t, authConfig(srv, wrong))
		if err == nil {
			t.Fatal("want auth error, got nil")
		}
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("error reveals the password: %v", err)
		}
		if n := srv.Count(); n != 0 {
			t.Errorf("server received %d messages, want 0", n)
		}
	})
	t.Run("ErrServerRequiresAuth", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{Auth: creds})
		if err := send(t, smtpConfig(srv)); err == nil {
			t.Fatal("want error, got nil")
		}
	})
	t.Run("OKNoUsernameNoAuth", func(t *testing.T) {
		// This server offers no AUTH, so any attempt would fail the send.
		srv := emailtest.Start(t, emailtest.Options{})
		if err := send(t, smtpConfig(srv)); err != nil {
			t.Fatal(err)
		}
		if got := srv.Wait(t, 1, 5*time.Second)[0]; got.AuthUser != "" {
			t.Errorf("AuthUser = %q, want none", got.AuthUser)
		}
	})
}

// silentListener accepts TCP connections and never says a word.
func silentListener(tb testing.TB) (host string, port int) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	tb.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	addr := ln.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

func TestSMTPTransportTimeout(t *testing.T) {
	host, port := silentListener(t)
	tr := mustTransport(t, email.SMTPConfig{
		Host: host, Port: port, From: "noreply@example.com",
		ConnectTimeout: 300 * time.Millisecond, SendTimeout: 300 * time.Millisecond,
	})
	start := time.Now()
	if err := tr.Send(context.Background(), testMessage()); err == nil {
		t.Fatal("want timeout error, got nil")
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Send took %v despite a 300ms timeout", elapsed)
	}
}

func TestSMTPTransportContext(t *testing.T) {
	t.Run("ErrCanceledBeforeSend", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := mustTransport(t, smtpConfig(srv)).Send(ctx, testMessage())
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if n := srv.Count(); n != 0 {
			t.Errorf("server received %d messages, want 0", n)
		}
	})
	t.Run("ErrCanceledDuringSend", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{Delay: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		timer := time.AfterFunc(200*time.Millisecond, cancel)
		defer timer.Stop()
		err := mustTransport(t, smtpConfig(srv)).Send(ctx, testMessage())
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("ErrSendTimeout", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{Delay: time.Minute})
		cfg := smtpConfig(srv)
		cfg.SendTimeout = 300 * time.Millisecond
		if err := send(t, cfg); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestSMTPTransportTemporaryFailure(t *testing.T) {
	srv := emailtest.Start(t, emailtest.Options{FailFirst: 1})
	cfg := smtpConfig(srv)
	err := send(t, cfg)
	var sendErr *gomail.SendError
	if !errors.As(err, &sendErr) || !sendErr.IsTemp() {
		t.Fatalf("err = %v, want a temporary go-mail SendError", err)
	}
	if err := send(t, cfg); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(srv.Wait(t, 1, 5*time.Second)); n != 1 {
		t.Errorf("server kept %d messages, want 1", n)
	}
}

// TestSMTPTransportPermanentFailure: only a refusal that would repeat, a 5xx to RCPT TO or an
// address that cannot be mailed, is marked permanent; everything else is left to retries.
func TestSMTPTransportPermanentFailure(t *testing.T) {
	permanent := func(err error) bool {
		var rejected *email.RejectedError
		return errors.As(err, &rejected) && rejected.Permanent()
	}
	t.Run("RecipientRefused", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{RejectRecipients: []string{"ADA@example.com"}})
		err := send(t, smtpConfig(srv))
		if !permanent(err) {
			t.Fatalf("err = %v, want a permanent RejectedError", err)
		}
		if !strings.Contains(err.Error(), "550") {
			t.Errorf("err = %v, want the server's 550 in it", err)
		}
		if srv.RefusedRecipients() != 1 || srv.Count() != 0 {
			t.Errorf("server refused %d recipients and kept %d messages, want 1 and 0", srv.RefusedRecipients(), srv.Count())
		}
	})
	t.Run("UnmailableAddress", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{})
		msg := testMessage()
		msg.To = "no address here"
		if err := mustTransport(t, smtpConfig(srv)).Send(context.Background(), msg); !permanent(err) {
			t.Fatalf("err = %v, want a permanent RejectedError", err)
		}
	})
	t.Run("TemporaryIsNot", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{FailFirst: 1})
		if err := send(t, smtpConfig(srv)); err == nil || permanent(err) {
			t.Fatalf("err = %v, want a failure left to retries", err)
		}
	})
	t.Run("WrongCredentialsAreNot", func(t *testing.T) {
		// A 535 is the operator's to fix; the mail should still go out once they have.
		creds := &emailtest.Credentials{Username: "mailer", Password: "correct-horse-42"}
		srv := emailtest.Start(t, emailtest.Options{Auth: creds})
		cfg := smtpConfig(srv)
		cfg.Username, cfg.Password = creds.Username, "wrong-Secret-9f3a"
		if err := send(t, cfg); err == nil || permanent(err) {
			t.Fatalf("err = %v, want a failure left to retries", err)
		}
	})
	t.Run("UnreachableIsNot", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cfg := email.SMTPConfig{Host: "127.0.0.1", Port: port, From: "noreply@example.com", ConnectTimeout: time.Second}
		if err := send(t, cfg); err == nil || permanent(err) {
			t.Fatalf("err = %v, want a failure left to retries", err)
		}
	})
}
