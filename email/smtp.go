package email

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Default timeouts of SMTPConfig.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultSendTimeout    = 30 * time.Second
)

// SMTPConfig configures the SMTP transport.
//
// TLS modes: UseSSL is implicit TLS from the first byte (SMTPS, port 465); UseTLS
// requires STARTTLS and never falls back to plain text; neither is plain SMTP. When
// both are set, UseSSL wins because it is the stricter of the two.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // SMTP AUTH is used only when Username is not empty
	Password string
	From     string
	UseTLS   bool
	UseSSL   bool

	// ConnectTimeout bounds the dial and each command; SendTimeout bounds a whole send.
	ConnectTimeout time.Duration
	SendTimeout    time.Duration

	// TLSConfig is optional; its ServerName defaults to Host.
	TLSConfig *tls.Config
}

// SMTPTransport sends messages over SMTP, keeping connections open for the next message.
type SMTPTransport struct {
	cfg    SMTPConfig
	tls    *tls.Config
	from   *mail.Address
	domain string
	client *gomail.Client // settings only: every connection is dialed and held by the pool
	pool   connPool
}

// NewSMTPTransport validates cfg and returns a transport; it does not connect.
func NewSMTPTransport(cfg SMTPConfig) (*SMTPTransport, error) {
	if cfg.Host == "" {
		return nil, errors.New("email: SMTP host is empty")
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("email: SMTP port %d is out of range", cfg.Port)
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, errors.New("email: SMTP password is set without a username")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: invalid sender address %q: %w", cfg.From, err)
	}
	if cfg.ConnectTimeout < 0 || cfg.SendTimeout < 0 {
		return nil, errors.New("email: SMTP timeouts must not be negative")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.SendTimeout == 0 {
		cfg.SendTimeout = DefaultSendTimeout
	}
	if cfg.UseSSL {
		cfg.UseTLS = false
	}

	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	cfg.TLSConfig = nil

	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	t := &SMTPTransport{cfg: cfg, tls: tc, from: from, domain: domain}
	client, err := gomail.NewClient(cfg.Host, t.options(t.dial)...)
	if err != nil {
		return nil, fmt.Errorf("email: SMTP settings: %w", err)
	}
	t.client = client
	return t, nil
}

func (t *SMTPTransport) options(dial gomail.DialContextFunc) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(t.cfg.Port),
		gomail.WithTimeout(t.cfg.ConnectTimeout),
		gomail.WithTLSConfig(t.tls),
		gomail.WithDialContextFunc(dial),
	}
	switch {
	case t.cfg.UseSSL:
		// The dialer does the TLS handshake; SSL mode only stops go-mail trying STARTTLS.
		opts = append(opts, gomail.WithSSL())
	case t.cfg.UseTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if t.cfg.Username != "" {
		// PLAIN and LOGIN refuse to run over an unencrypted link except to localhost.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(t.cfg.Username),
			gomail.WithPassword(t.cfg.Password),
		)
	}
	return opts
}

func (t *SMTPTransport) build(m Message) (*gomail.Msg, error) {
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("email: message has no body")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(t.from)
	if err := msg.To(m.To); err != nil {
		return nil, &RejectedError{err: fmt.Errorf("email: invalid recipient %q: %w", m.To, err)}
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDate()
	// Derived from the sender's domain so the server's host name is not leaked.
	msg.SetMessageIDWithValue(rand.Text() + "@" + t.domain)
	switch {
	case m.Text == "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	case m.HTML == "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// fail wraps a send error, preferring the context's reason and never showing the password,
// and says whose fault it is: a refused recipient's (RejectedError), the relay's (RelayError)
// or neither. A send abandoned by its caller (ctx cancelled) is nobody's.
func (t *SMTPTransport) fail(ctx context.Context, err error) error {
	addr := net.JoinHostPort(t.cfg.Host, strconv.Itoa(t.cfg.Port))
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = fmt.Errorf("email: send via %s: %w: %w", addr, ctxErr, err)
	} else {
		err = fmt.Errorf("email: send via %s: %w", addr, err)
	}
	refused := recipientRefused(err)
	relay := !refused && !errors.Is(ctx.Err(), context.Canceled) && relayFault(err)
	if pw := t.cfg.Password; pw != "" && strings.Contains(err.Error(), pw) {
		// Dropping the chain is the price of making sure no wrapped error repeats it.
		err = errors.New(strings.ReplaceAll(err.Error(), pw, "[redacted]"))
	}
	switch {
	case refused:
		return &RejectedError{err: err}
	case relay:
		return &RelayError{err: err}
	}
	return err
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
