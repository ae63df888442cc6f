package email_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"latchkey/email"
	"latchkey/email/emailtest"
)

// TestSMTPTransportRelayDown: a send that fails because of the mail server (unreachable, hung,
// 421 at the greeting, a refused login) says RelayDown; one that fails because of the mail (a
// refused recipient, a 451 to its data) or is cancelled by its caller does not.
func TestSMTPTransportRelayDown(t *testing.T) {
	relayDown := func(err error) bool {
		var r interface{ RelayDown() bool }
		return errors.As(err, &r) && r.RelayDown()
	}
	short := func(cfg email.SMTPConfig) email.SMTPConfig {
		cfg.ConnectTimeout, cfg.SendTimeout = 300*time.Millisecond, 300*time.Millisecond
		return cfg
	}
	tests := []struct {
		name string
		send func(t *testing.T) error
		down bool
	}{
		{"ConnectionRefused", func(t *testing.T) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			return send(t, email.SMTPConfig{Host: "127.0.0.1", Port: port, From: "noreply@example.com"})
		}, true},
		{"Hung", func(t *testing.T) error {
			host, port := silentListener(t)
			return send(t, short(email.SMTPConfig{Host: host, Port: port, From: "noreply@example.com"}))
		}, true},
		{"HungAfterGreeting", func(t *testing.T) error {
			return send(t, short(smtpConfig(emailtest.Start(t, emailtest.Options{Delay: time.Minute}))))
		}, true},
		{"RefusedAtGreeting", func(t *testing.T) error {
			srv := emailtest.Start(t, emailtest.Options{})
			srv.Refuse(true)
			return send(t, smtpConfig(srv))
		}, true},
		{"LoginRefused", func(t *testing.T) error {
			srv := emailtest.Start(t, emailtest.Options{StartTLS: true, Auth: &emailtest.Credentials{Username: "mailer", Password: "right-one-42"}})
			cfg := smtpConfig(srv)
			cfg.UseTLS, cfg.TLSConfig = true, &tls.Config{RootCAs: srv.RootCAs()}
			cfg.Username, cfg.Password = "mailer", "wrong-one-42"
			return send(t, cfg)
		}, true},
		{"RecipientRefused", func(t *testing.T) error {
			return send(t, smtpConfig(emailtest.Start(t, emailtest.Options{RejectRecipients: []string{"ada@example.com"}})))
		}, false},
		{"DataRefusedForNow", func(t *testing.T) error {
			return send(t, smtpConfig(emailtest.Start(t, emailtest.Options{FailFirst: 1})))
		}, false},
		{"CancelledByCaller", func(t *testing.T) error {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			srv := emailtest.Start(t, emailtest.Options{Delay: time.Minute})
			return mustTransport(t, smtpConfig(srv)).Send(ctx, testMessage())
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.send(t)
			if err == nil {
				t.Fatal("send succeeded, want a failure")
			}
			if got := relayDown(err); got != tt.down {
				t.Errorf("RelayDown = %v, want %v for %v", got, tt.down, err)
			}
		})
	}
}
