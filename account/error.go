package account

import (
	"errors"
	"fmt"
)

// Error codes from the public contract. They are the only codes a client ever sees.
const (
	CodeBadUserInput      = "BAD_USER_INPUT"
	CodeUnauthenticated   = "UNAUTHENTICATED"
	CodeInvalidResetToken = "INVALID_RESET_TOKEN"
	CodeRateLimited       = "RATE_LIMITED"
	CodeInternal          = "INTERNAL_SERVER_ERROR"
)

// Error is the application error: a contract code and a message safe to show a client.
// Cause holds the internal detail, which is logged and never shown.
type Error struct {
	Code       string
	Message    string
	Field      string // for BAD_USER_INPUT: the input field at fault
	RetryAfter int    // for RATE_LIMITED: seconds to wait
	Cause      error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// ErrorCode returns the contract code of err: the code of an *Error in its chain,
// or INTERNAL_SERVER_ERROR for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

func badInput(field, message string) *Error {
	return &Error{Code: CodeBadUserInput, Field: field, Message: message}
}

func internal(cause error) *Error {
	return &Error{Code: CodeInternal, Message: "Internal server error", Cause: cause}
}

var (
	errUnauthenticated   = &Error{Code: CodeUnauthenticated, Message: "Not authenticated"}
	errBadCredentials    = &Error{Code: CodeUnauthenticated, Message: "Incorrect email or password"}
	errInvalidResetToken = &Error{Code: CodeInvalidResetToken, Message: "Invalid or expired reset token"}
)
