// Package email renders Latchkey's emails from embedded templates and delivers them
// through a Transport: SMTP in production, the log in development.
package email

import "context"

// Message is one rendered mail.
type Message struct {
	To, Subject, Text, HTML string
}

// Transport delivers a rendered message.
type Transport interface {
	Send(ctx context.Context, m Message) error
}
