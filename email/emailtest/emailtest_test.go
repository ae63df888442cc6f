package emailtest_test

import (
	"context"
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"latchkey/email/emailtest"
)

const multipartMessage = "From: a@example.com\r\n" +
	"To: =?UTF-8?q?J=C3=BCrgen?= <j@example.com>\r\n" +
	"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=b1\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"open http://x.test/r#token=3Dab=\r\ncd now\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PGEgaHJlZj0iaHR0cDovL3gudGVzdC9yI3Rva2VuPWFiY2QiPmdvPC9hPg==\r\n" +
	"--b1--\r\n"

func TestParse(t *testing.T) {
	p, err := emailtest.Parse([]byte(multipartMessage))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Grüße" || p.To != "Jürgen <j@example.com>" {
		t.Errorf("Subject, To = %q, %q", p.Subject, p.To)
	}
	if p.ContentType != "multipart/alternative" || !slices.Equal(p.PartTypes, []string{"text/plain", "text/html"}) {
		t.Errorf("MIME = %s %v", p.ContentType, p.PartTypes)
	}
	if p.Text != "open http://x.test/r#token=abcd now" {
		t.Errorf("Text = %q", p.Text)
	}
	if p.HTML != `<a href="http://x.test/r#token=abcd">go</a>` {
		t.Errorf("HTML = %q", p.HTML)
	}
	for _, body := range []string{p.Text, p.HTML} {
		if got := emailtest.ExtractLink(t, body, "http://x.test/r#token="); got != "http://x.test/r#token=abcd" {
			t.Errorf("ExtractLink = %q", got)
		}
	}
}

func TestFindLink(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"OKEndOfText", "go to http://x.test/a", "http://x.test/a"},
		{"OKQuoted", `<a href="http://x.test/a?b=1&amp;c=2">`, "http://x.test/a?b=1&c=2"},
		{"OKAngleBrackets", "<http://x.test/a>", "http://x.test/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := emailtest.FindLink(tc.body, "http://x.test/"); !ok || got != tc.want {
				t.Errorf("FindLink = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
	t.Run("ErrMissing", func(t *testing.T) {
		if _, ok := emailtest.FindLink("nothing here", "http://x.test/"); ok {
			t.Error("found a link in a body without one")
		}
	})
}

func sendMail(srv *emailtest.Server, body string) error {
	msg := "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\n" + body + "\r\n"
	return smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(msg))
}

func TestServer(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{})
		if err := sendMail(srv, "one"); err != nil {
			t.Fatal(err)
		}
		got := srv.Wait(t, 1, 5*time.Second)
		if got[0].From != "a@example.com" || !slices.Equal(got[0].To, []string{"b@example.com"}) {
			t.Errorf("envelope = %q -> %q", got[0].From, got[0].To)
		}
		if got[0].Parsed == nil || got[0].Parsed.Text != "one\r\n" {
			t.Errorf("Parsed = %+v (%v)", got[0].Parsed, got[0].ParseError)
		}
		if srv.Count() != 1 || len(srv.Messages()) != 1 {
			t.Errorf("Count = %d, Messages = %d, want 1", srv.Count(), len(srv.Messages()))
		}
	})
	t.Run("OKFailFirst", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{FailFirst: 2})
		for i := range 2 {
			if err := sendMail(srv, "rejected"); err == nil || !strings.Contains(err.Error(), "451") {
				t.Fatalf("send %d: err = %v, want 451", i, err)
			}
		}
		if err := sendMail(srv, "accepted"); err != nil {
			t.Fatal(err)
		}
		if got := srv.Wait(t, 1, 5*time.Second); len(got) != 1 || !strings.Contains(string(got[0].Data), "accepted") {
			t.Errorf("messages = %d, want only the accepted one", len(got))
		}
	})
	t.Run("ErrWaitTimeout", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := srv.WaitContext(ctx, 1); err == nil {
			t.Fatal("want timeout, got nil")
		}
	})
	t.Run("OKStartedWhileDelayed", func(t *testing.T) {
		srv := emailtest.Start(t, emailtest.Options{Delay: time.Minute})
		sent := make(chan error, 1)
		go func() { sent <- sendMail(srv, "held back") }()
		srv.WaitStarted(t, 1, 5*time.Second)
		if srv.Started() != 1 || srv.Count() != 0 {
			t.Errorf("Started = %d, Count = %d while delayed; want 1, 0", srv.Started(), srv.Count())
		}
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-sent; err == nil {
			t.Error("a message cut off by Close was accepted")
		}
		if srv.Count() != 0 {
			t.Errorf("Count = %d after Close cut the message off", srv.Count())
		}
	})
	t.Run("OKStartServer", func(t *testing.T) {
		srv, err := emailtest.StartServer(emailtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := sendMail(srv, "x"); err != nil {
			t.Fatal(err)
		}
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		if err := sendMail(srv, "y"); err == nil {
			t.Error("send after Close succeeded")
		}
	})
}
