// Package emailtest runs a real SMTP server on the loopback interface for tests and
// load tools, recording every message it accepts.
package emailtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Credentials are the username and password a server requires.
type Credentials struct {
	Username, Password string
}

// Options configures a Server.
type Options struct {
	StartTLS    bool          // offer STARTTLS with a self-signed certificate
	ImplicitTLS bool          // speak TLS from the first byte (SMTPS)
	Auth        *Credentials  // when set, require AUTH PLAIN with these credentials
	Delay       time.Duration // how long each message waits before the server answers DATA
	FailFirst   int           // reject the first N messages with a temporary 451 error
	// RejectRecipients are addresses refused at RCPT TO with a permanent 550, as a mail
	// server does for a mailbox that does not exist. Compared without regard to case.
	RejectRecipients []string
	// OnAccept, when set, is called with each message the server accepts, before it answers:
	// a test can start a fault at the moment the client is about to take the mail as sent.
	OnAccept func(Received)
}

// Received is one message the server accepted.
type Received struct {
	From       string
	To         []string
	Data       []byte
	AuthUser   string  // username of a successful AUTH, empty without AUTH
	TLS        bool    // whether the message came over TLS (implicit or STARTTLS)
	Parsed     *Parsed // nil when Data is not a parseable message
	ParseError error
}

// Server is an SMTP server listening on 127.0.0.1.
type Server struct {
	opts      Options
	srv       *smtp.Server
	ln        net.Listener
	rootCAs   *x509.CertPool
	serveDone chan struct{}
	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error
	sessions  sync.WaitGroup

	mu           sync.Mutex
	closed       bool
	msgs         []Received
	started      int // messages whose data was read, answered or not
	rejected     int
	refusedRcpts int
	conns        map[*smtp.Conn]bool // every connection a client opened
	refusing     bool
	changed      chan struct{} // closed and replaced whenever a message starts or arrives
}

// Start starts a server for the test and closes it when the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := StartServer(opts)
	if err != nil {
		tb.Fatalf("emailtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("emailtest: close: %v", err)
		}
	})
	return s
}

// StartServer starts a server outside of a test; the caller must Close it.
func StartServer(opts Options) (*Server, error) {
	tlsCfg, pool, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:      opts,
		ln:        ln,
		rootCAs:   pool,
		serveDone: make(chan struct{}),
		closing:   make(chan struct{}),
		changed:   make(chan struct{}),
		conns:     map[*smtp.Conn]bool{},
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // so AUTH can be tested without TLS
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if opts.StartTLS {
		srv.TLSConfig = tlsCfg
	}
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, tlsCfg)
	}
	s.srv = srv
	go func() {
		defer close(s.serveDone)
		_ = srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and waits for its sessions to end.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		if err := s.srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.closeErr = err
		}
		// go-smtp misses a listener that Serve has not registered yet; closing it
		// here too makes sure Serve returns.
		_ = s.ln.Close()
		<-s.serveDone
		s.sessions.Wait()
	})
	return s.closeErr
}

// Host is the server's IP address, 127.0.0.1.
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// RootCAs trusts the server's self-signed certificate.
func (s *Server) RootCAs() *x509.CertPool { return s.rootCAs }

// Count is the number of messages accepted so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Messages returns a copy of the messages accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Wait blocks until at least n messages arrived and returns them; it fails the
// test after timeout.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Received {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	msgs, err := s.WaitContext(ctx, n)
	if err != nil {
		tb.Fatalf("emailtest: waited %v for %d messages, got %d", timeout, n, len(msgs))
	}
	return msgs
}

// WaitContext blocks until at least n messages arrived or ctx is done, and returns
// the messages received so far.
func (s *Server) WaitContext(ctx context.Context, n int) ([]Received, error) {
	var msgs []Received
	err := s.waitFor(ctx, func() bool {
		msgs = append([]Received(nil), s.msgs...)
		return len(msgs) >= n
	})
	return msgs, err
}

// Started is the number of messages whose data the server has read, including those it is
// still holding back for Delay and those it rejected.
func (s *Server) Started() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// WaitStarted blocks until the server has read the data of at least n messages, so that a
// client is waiting for its answer while Delay lasts; it fails the test after timeout.
func (s *Server) WaitStarted(tb testing.TB, n int, timeout time.Duration) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.waitFor(ctx, func() bool { return s.started >= n }); err != nil {
		tb.Fatalf("emailtest: waited %v for %d messages to start, got %d", timeout, n, s.Started())
	}
}

// waitFor blocks until done, called with s.mu held, reports true, or ctx ends.
func (s *Server) waitFor(ctx context.Context, done func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := done(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// start records that a message's data was read.
func (s *Server) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started++
	s.notify()
}

// notify wakes every waiter; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("server is closing")
	}
	if s.refusing {
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available"}
	}
	s.sessions.Add(1)
	s.conns[c] = true
	// go-smtp starts a new session after STARTTLS, so this sees the upgraded connection.
	_, isTLS := c.TLSConnectionState()
	return &session{srv: s, tls: isTLS}, nil
}

// Connections is the number of connections clients have opened.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// refuseRecipient counts a recipient refused at RCPT TO.
func (s *Server) refuseRecipient() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusedRcpts++
	s.notify()
}

// RefusedRecipients returns how many times a recipient was refused at RCPT TO.
func (s *Server) RefusedRecipients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusedRcpts
}

// accept records a message, or rejects it while FailFirst lasts.
func (s *Server) accept(r Received) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejected < s.opts.FailFirst {
		s.rejected++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	}
	s.msgs = append(s.msgs, r)
	s.notify()
	return nil
}
