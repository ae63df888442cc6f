package server

// exampleDocument opens the playground: one named operation per API call, in the order of
// the reset flow, so a newcomer can run them top to bottom.
const exampleDocument = `# Welcome to the Latchkey playground.
# Pick an operation with the ▶ button. Operations that need a signed-in user
# (Me, ChangePassword, ChangeEmail, SetLocale, DeleteAccount) read the Authorization header:
# copy the accessToken from Register or Login into the Headers tab below as
#   {"Authorization": "Bearer <accessToken>"}
# Without MAIL_SERVER, the reset mail is written to the server's log: take the
# token from the link (…/reset-password#token=<token>) for CheckResetToken and
# ResetPassword, and from …/confirm-email#token=<token> for ConfirmEmailChange,
# which signs every session out: Login again with the new address after it.

mutation Register($email: String! = "alice@example.com") {
  register(input: {username: "alice", email: $email, password: "correct horse battery"}) {
    accessToken
    expiresAt
    user { id username email }
  }
}

# SignUp mails a link instead (…/verify-email#token=<token>); VerifyEmail with its
# token creates the account and signs in. With REGISTRATION=verified, Register is
# refused and this is the way in. SendVerificationEmail (signed in) mails a link
# that verifies an account's address.
mutation SignUp($email: String! = "bob@example.com") {
  signUp(input: {username: "bob", email: $email, password: "correct horse battery"}) { message }
}

mutation VerifyEmail($token: String! = "paste the token from the mail") {
  verifyEmail(input: {token: $token}) {
    accessToken
    expiresAt
    user { id username email emailVerified }
  }
}

mutation SendVerificationEmail {
  sendVerificationEmail { message }
}

mutation Login($email: String! = "alice@example.com") {
  login(input: {email: $email, password: "correct horse battery"}) {
    accessToken
    expiresAt
    refreshToken
  }
}

query Me {
  me { id username email createdAt }
}

mutation RefreshSession($refreshToken: String! = "paste the refreshToken here") {
  refreshSession(input: {refreshToken: $refreshToken}) { accessToken expiresAt refreshToken refreshExpiresAt }
}

query Sessions {
  me { sessions { id createdAt lastUsedAt ipAddress userAgent current } }
}

mutation RevokeSession($id: ID! = "paste a session id from Sessions") {
  revokeSession(input: {id: $id}) { message }
}

mutation SignOutEverywhereElse {
  signOut(input: {scope: OTHERS}) { message }
}

mutation SetLocale($locale: String! = "de") {
  setLocale(input: {locale: $locale}) { id locale }
}

mutation ForgotPassword($email: String! = "alice@example.com") {
  forgotPassword(input: {email: $email}) { message }
}

query CheckResetToken($token: String! = "paste the token from the mail") {
  checkResetToken(token: $token) { valid expiresAt }
}

mutation ResetPassword($token: String! = "paste the token from the mail") {
  resetPassword(input: {token: $token, newPassword: "a new long password"}) { message }
}

mutation ChangePassword {
  changePassword(input: {currentPassword: "a new long password", newPassword: "another long password"}) {
    message
    session { accessToken expiresAt }
  }
}

mutation ChangeEmail {
  changeEmail(input: {newEmail: "alice@new.example", password: "another long password"}) { message }
}

mutation ConfirmEmailChange($token: String! = "paste the token from the mail") {
  confirmEmailChange(input: {token: $token}) { message }
}

mutation DeleteAccount {
  deleteAccount(input: {password: "another long password"}) { message }
}
`

const exampleHeaders = `{"Authorization": "Bearer paste-the-accessToken-here"}`
