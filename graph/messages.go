package graph

// Messages the API answers with on success.
const (
	PasswordResetMessage   = "Your password has been reset. Sign in with your new password."
	PasswordChangedMessage = "Your password has been changed."
	AccountDeletedMessage  = "Your account has been deleted."
)

// EmailChangedMessage is confirmEmailChange's answer: the change also revoked the caller's session.
const EmailChangedMessage = "Your email address has been changed. Sign in with your new address."
