package account

import (
	"context"
	"errors"
	"strings"
)

// Error codes from the public contract. They are the only codes a client ever sees.
const (
	CodeBadUserInput      = "BAD_USER_INPUT"
	CodeUnauthenticated   = "UNAUTHENTICATED"
	CodeInvalidResetToken = "INVALID_RESET_TOKEN"
	CodeRateLimited       = "RATE_LIMITED"
	CodeUnavailable       = "UNAVAILABLE"
	CodeInternal          = "INTERNAL_SERVER_ERROR"
	// CodeInvalidVerificationToken: a verification link's token is unknown, used or expired.
	CodeInvalidVerificationToken = "INVALID_VERIFICATION_TOKEN"
	// CodeForbidden: the operation is turned off by the server's settings.
	CodeForbidden = "FORBIDDEN"
)

// Error is the application error of a contract case: a code and a message safe to show a
// client. Every other failure is a plain wrapped error, and internal.
type Error struct {
	Code       string
	Message    string
	Field      string // for BAD_USER_INPUT: the input field at fault
	RetryAfter int    // for RATE_LIMITED: seconds to wait
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// UnavailableRetryAfter is the retryAfter, in seconds, of an UNAVAILABLE answer.
const UnavailableRetryAfter = 2

// ErrorCode returns the contract code of err: the code of the *Error in its chain,
// CodeUnavailable when a dependency did not answer in time, or CodeInternal for anything else.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Code
	case unavailable(err):
		return CodeUnavailable
	}
	return CodeInternal
}

// ErrorMessage returns what a client may read of err: the message of the *Error in its chain,
// or, for anything else, one that tells nothing of the cause.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Message
	case unavailable(err):
		return "Temporarily unavailable, try again in a few seconds"
	}
	return "Internal server error"
}

// unavailable reports whether err says a dependency did not answer in time: the database marks
// such errors with a method Unavailable() bool, and a request past its deadline ends with
// context.DeadlineExceeded.
func unavailable(err error) bool {
	var u interface{ Unavailable() bool }
	return errors.As(err, &u) && u.Unavailable() || errors.Is(err, context.DeadlineExceeded)
}

func badInput(field, message string) *Error {
	return &Error{Code: CodeBadUserInput, Field: field, Message: message}
}

// FieldErrors is the BAD_USER_INPUT answer about several fields of one input at once, in the
// order of the input's fields. errors.As finds its first *Error, so a caller that reads one
// error reads that one.
type FieldErrors []*Error

func (e FieldErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap gives each field's *Error.
func (e FieldErrors) Unwrap() []error {
	errs := make([]error, len(e))
	for i, err := range e {
		errs[i] = err
	}
	return errs
}

// inputErrors gathers the field errors of one input, so that all are answered at once.
type inputErrors []*Error

// add keeps err when it is about an input field and returns nil; any other error (rate limit,
// database) it returns, for the caller to stop at.
func (l *inputErrors) add(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Code == CodeBadUserInput && e.Field != "" {
		*l = append(*l, e)
		return nil
	}
	return err
}

// err is nil, the one field error (so that one wrong field is answered as it always was), or
// FieldErrors.
func (l inputErrors) err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return FieldErrors(l)
}

var (
	errUnauthenticated   = &Error{Code: CodeUnauthenticated, Message: "Not authenticated"}
	errBadCredentials    = &Error{Code: CodeUnauthenticated, Message: "Incorrect email or password"}
	errInvalidResetToken = &Error{Code: CodeInvalidResetToken, Message: "Invalid or expired reset token"}

	errInvalidVerificationToken = &Error{Code: CodeInvalidVerificationToken, Message: "Invalid or expired verification link"}
	errRegisterForbidden        = &Error{Code: CodeForbidden, Message: "Creating an account without a verified email is turned off on this server: use signUp, which mails a link that creates the account"}
)
