package server

import (
	"net/http"
	"net/url"

	"github.com/99designs/gqlgen/graphql/playground"
)

// exampleDocument opens the playground: one named operation per API call, in the order of
// the reset flow, so a newcomer can run them top to bottom.
const exampleDocument = `# Welcome to the Latchkey playground.
# Pick an operation with the ▶ button. Operations that need a signed-in user
# (Me, ChangePassword, DeleteAccount) read the Authorization header: copy the
# accessToken from Register or Login into the Headers tab below as
#   {"Authorization": "Bearer <accessToken>"}
# Without MAIL_SERVER, the reset mail is written to the server's log: take the
# token from the link (…/reset-password#token=<token>) for CheckResetToken and
# ResetPassword.

mutation Register($email: String! = "alice@example.com") {
  register(input: {username: "alice", email: $email, password: "correct horse battery"}) {
    accessToken
    expiresAt
    user { id username email }
  }
}

mutation Login($email: String! = "alice@example.com") {
  login(input: {email: $email, password: "correct horse battery"}) {
    accessToken
    expiresAt
  }
}

query Me {
  me { id username email createdAt }
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

mutation DeleteAccount {
  deleteAccount(input: {password: "another long password"}) { message }
}
`

const exampleHeaders = `{"Authorization": "Bearer paste-the-accessToken-here"}`

// playgroundHandler serves GraphiQL; a visit without a document is sent to one with the example.
func playgroundHandler(title string) http.Handler {
	graphiql := playground.Handler(title, "/graphql", playground.WithGraphiqlPersistStateInURL(true))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("query") == "" {
			q := url.Values{"query": {exampleDocument}, "headers": {exampleHeaders}, "operationName": {"Register"}}
			http.Redirect(w, r, "/playground?"+q.Encode(), http.StatusFound)
			return
		}
		graphiql.ServeHTTP(w, r)
	})
}
