package account

import (
	"context"
	"errors"
)

// Error codes from the public contract. They are the only codes a client ever sees.
const (
	CodeBadUserInput      = "BAD_USER_INPUT"
	CodeUnauthenticated   = "UNAUTHENTICATED"
	CodeInvalidResetToken = "INVALID_RESET_TOKEN"
	CodeRateLimited       = "RATE_LIMITED"
	CodeUnavailable       = "UNAVAILABLE"
	CodeInternal          = "INTERNAL_SERVER_ERROR"
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

var (
	errUnauthenticated   = &Error{Code: CodeUnauthenticated, Message: "Not authenticated"}
	errBadCredentials    = &Error{Code: CodeUnauthenticated, Message: "Incorrect email or password"}
	errInvalidResetToken = &Error{Code: CodeInvalidResetToken, Message: "Invalid or expired reset token"}
)

// CodeInvalidVerificationToken is the code of a verification or email-change token that is
// unknown, used or expired.
const CodeInvalidVerificationToken = "INVALID_VERIFICATION_TOKEN"

// errInvalidVerificationToken has one message for an unknown, used or expired link, whichever it is.
var errInvalidVerificationToken = &Error{Code: CodeInvalidVerificationToken, Message: "Invalid or expired verification token"}
