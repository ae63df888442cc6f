package email

import (
	"errors"

	gomail "github.com/wneessen/go-mail"
)

// RejectedError is a send the mail server refused for good: it answered RCPT TO with a 5xx
// reply, such as 550 for a mailbox that does not exist. The same mail would be refused again.
type RejectedError struct {
	err error
}

func (e *RejectedError) Error() string { return e.err.Error() }
func (e *RejectedError) Unwrap() error { return e.err }

// Permanent reports that retrying cannot help.
func (e *RejectedError) Permanent() bool { return true }

// recipientRefused reports whether err carries a permanent refusal of the recipient. Other
// 5xx replies (to AUTH, MAIL FROM or DATA) are left to retries: they tend to come from the
// relay's set-up, which an operator can fix while the mail waits.
func recipientRefused(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) || se.Reason != gomail.ErrSMTPRcptTo {
		return false
	}
	code := se.ErrorCode()
	return code >= 500 && code < 600
}
