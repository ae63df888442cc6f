package account

import "errors"

// Error codes from the public contract. They are the only codes a client ever sees.
const (
	CodeBadUserInput      = "BAD_USER_INPUT"
	CodeUnauthenticated   = "UNAUTHENTICATED"
	CodeInvalidResetToken = "INVALID_RESET_TOKEN"
	CodeRateLimited       = "RATE_LIMITED"
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

// ErrorCode returns the contract code of err: the code of the *Error in its chain, or
// CodeInternal for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns what a client may read of err: the message of the *Error in its chain,
// or, for anything else, one that tells nothing of the cause.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal server error"
}

func badInput(field, message string) *Error {
	return &Error{Code: CodeBadUserInput, Field: field, Message: message}
}

var (
	errUnauthenticated   = &Error{Code: CodeUnauthenticated, Message: "Not authenticated"}
	errBadCredentials    = &Error{Code: CodeUnauthenticated, Message: "Incorrect email or password"}
	errInvalidResetToken = &Error{Code: CodeInvalidResetToken, Message: "Invalid or expired reset token"}
)
