package email

import (
	"context"
	"errors"
	"net"

	gomail "github.com/wneessen/go-mail"
)

// RelayError is a send that failed for a reason of the mail server's, not the mail's: it could
// not be reached or did not answer in time, the connection broke, STARTTLS or the login
// failed, or it answered 421, or 4xx before the recipients. Any other mail would fail alike now.
type RelayError struct {
	err error
}

func (e *RelayError) Error() string { return e.err.Error() }
func (e *RelayError) Unwrap() error { return e.err }

// RelayDown reports that the mail server, not this mail, is at fault.
func (e *RelayError) RelayDown() bool { return true }

// relayFault reports whether err, from a send, concerns the relay rather than the message.
func relayFault(err error) bool {
	var re *RelayError
	if errors.As(err, &re) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded, gomail.ErrAmbiguous:
			return false // the message's own
		case gomail.ErrConnCheck:
			return true
		case gomail.ErrSMTPMailFrom:
			return code < 500 // a 4xx, or no reply at all
		}
		return code == 421 || code == 0 // closing the service, or no reply: the connection broke
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}
