package email

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// How long a connection is kept between messages, and how many it carries. Mail servers
// may end an idle session after a few minutes (RFC 5321 asks for at least five); a
// connection that has gone stale anyway is noticed before the message is sent, and replaced.
const (
	idleTimeout     = 30 * time.Second
	messagesPerConn = 100
	quitTimeout     = time.Second
)

// smtpConn is one open SMTP session.
type smtpConn struct {
	client    *smtp.Client
	conn      net.Conn
	sent      int
	idleSince time.Time
}

// connPool holds the sessions that are open between messages, newest last.
type connPool struct {
	mu     sync.Mutex
	idle   []*smtpConn
	closed bool
}

// Send delivers m as multipart/alternative (text/plain, then text/html) over an open
// connection, or a new one. It gives up when ctx is done or SendTimeout has passed.
func (t *SMTPTransport) Send(ctx context.Context, m Message) error {
	msg, err := t.build(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.SendTimeout)
	defer cancel()
	for {
		c, reused := t.pool.take()
		if c == nil {
			if c, err = t.connect(ctx); err != nil {
				return t.fail(ctx, &RelayError{err: err})
			}
		}
		err = t.sendOn(ctx, c, msg)
		switch {
		case err == nil:
			t.pool.put(c)
			return nil
		case msg.IsDelivered():
			// The server took the message and only the RSET after it failed: a retry would
			// deliver it twice.
			c.close()
			return nil
		}
		c.close()
		if !reused || !beforeMail(err) || ctx.Err() != nil {
			return t.fail(ctx, err)
		}
		// The kept session had gone away before this message began: nothing was sent.
	}
}

// sendOn sends msg over c. go-mail honours no context once connected, so the connection is
// closed should ctx end first, which stops a stalled conversation.
func (t *SMTPTransport) sendOn(ctx context.Context, c *smtpConn, msg *gomail.Msg) error {
	stop := context.AfterFunc(ctx, func() { _ = c.conn.Close() })
	err := t.client.SendWithSMTPClient(c.client, msg)
	if !stop() && err == nil {
		err = ctx.Err() // the connection is gone; the message was delivered, or not
	}
	c.sent++
	return err
}

// beforeMail reports whether err came before the server saw any of the message: the check of
// the connection, or MAIL FROM.
func beforeMail(err error) bool {
	var se *gomail.SendError
	return errors.As(err, &se) && (se.Reason == gomail.ErrConnCheck || se.Reason == gomail.ErrSMTPMailFrom)
}

type dialSlotKey struct{}

// dialSlot carries, from connect to the dial function go-mail calls, the context of the send
// and back the connection that was opened.
type dialSlot struct {
	send context.Context
	conn net.Conn
	stop func() bool
}

// connect opens a session: dial, EHLO, STARTTLS and AUTH as configured.
func (t *SMTPTransport) connect(ctx context.Context) (*smtpConn, error) {
	slot := &dialSlot{send: ctx}
	client, err := t.client.DialToSMTPClientWithContext(context.WithValue(ctx, dialSlotKey{}, slot))
	if slot.stop != nil {
		slot.stop()
	}
	if err != nil {
		if slot.conn != nil {
			_ = slot.conn.Close() // go-mail leaves it open when EHLO, STARTTLS or AUTH fails
		}
		return nil, err
	}
	return &smtpConn{client: client, conn: slot.conn}, nil
}

// dial is go-mail's dial function: it opens the TCP (or TLS) connection and has it closed
// should the send's context end during the greeting, STARTTLS or AUTH.
func (t *SMTPTransport) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{}
	var conn net.Conn
	var err error
	if t.cfg.UseSSL {
		conn, err = (&tls.Dialer{NetDialer: d, Config: t.tls}).DialContext(ctx, network, addr)
	} else {
		conn, err = d.DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	if slot, ok := ctx.Value(dialSlotKey{}).(*dialSlot); ok {
		slot.conn = conn
		slot.stop = context.AfterFunc(slot.send, func() { _ = conn.Close() })
	}
	return conn, nil
}

// Close ends the sessions kept open. Sends after Close still work, each on its own connection.
func (t *SMTPTransport) Close() error {
	t.pool.mu.Lock()
	idle := t.pool.idle
	t.pool.idle, t.pool.closed = nil, true
	t.pool.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
	return nil
}

// take returns the newest kept session that is still fresh, closing the stale ones.
func (p *connPool) take() (c *smtpConn, ok bool) {
	now := time.Now()
	p.mu.Lock()
	var stale []*smtpConn
	for len(p.idle) > 0 && c == nil {
		last := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(last.idleSince) < idleTimeout {
			c = last
		} else {
			stale = append(stale, last)
		}
	}
	p.mu.Unlock()
	for _, s := range stale {
		s.close()
	}
	return c, c != nil
}

// put keeps c for the next message, unless it has carried its share or the pool is closed.
func (p *connPool) put(c *smtpConn) {
	p.mu.Lock()
	keep := !p.closed && c.sent < messagesPerConn
	if keep {
		c.idleSince = time.Now()
		p.idle = append(p.idle, c)
	}
	p.mu.Unlock()
	if !keep {
		c.close()
	}
}

// close says QUIT, waiting briefly for the answer, and closes the connection.
func (c *smtpConn) close() {
	_ = c.conn.SetDeadline(time.Now().Add(quitTimeout))
	_ = c.client.Quit()
	_ = c.conn.Close()
}
