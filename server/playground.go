package server

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"regexp"
	"strings"
)

// exampleDocument opens the playground: one named operation per API call, in the order of
// the reset flow, so a newcomer can run them top to bottom.
const exampleDocument = `# Welcome to the Latchkey playground.
# Pick an operation with the ▶ button. Operations that need a signed-in user
# (Me, ChangePassword, ChangeEmail, DeleteAccount) read the Authorization header:
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

// asset is one file the playground loads from the CDN, pinned by its SRI hash.
type asset struct{ URL, SRI string }

// The GraphiQL release gqlgen's playground pins, and the React it needs.
var (
	playgroundScripts = []asset{
		{"https://cdn.jsdelivr.net/npm/react@18.2.0/umd/react.production.min.js", "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY="},
		{"https://cdn.jsdelivr.net/npm/react-dom@18.2.0/umd/react-dom.production.min.js", "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc="},
		{"https://cdn.jsdelivr.net/npm/graphiql@4.1.2/graphiql.min.js", "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="},
	}
	playgroundStyles = []asset{
		{"https://cdn.jsdelivr.net/npm/graphiql@4.1.2/graphiql.min.css", "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU="},
	}
)

//go:embed playground.html
var playgroundHTML string

var playgroundPage = template.Must(template.New("playground").Parse(playgroundHTML))

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// playgroundHandler serves GraphiQL with the example document and header template. Our own
// page rather than gqlgen's: that one persists headers (bearer tokens) in localStorage and
// copies them into the URL. The page never changes while the process runs, so it is rendered
// once, and its policy trusts exactly the pinned files and its one inline script.
func playgroundHandler(title string) http.Handler {
	var page bytes.Buffer
	err := playgroundPage.Execute(&page, map[string]any{
		"Title":   title,
		"Scripts": playgroundScripts,
		"Styles":  playgroundStyles,
		"Example": map[string]string{"document": exampleDocument, "headers": exampleHeaders},
	})
	if err != nil {
		panic("server: playground template: " + err.Error()) // a fixed template and fixed data
	}
	body := page.Bytes()
	csp := playgroundCSP(body)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(body)
	})
}

// playgroundCSP names every asset by its full URL, never the CDN's whole host, so another
// package on that CDN cannot run here; the inline script is allowed by its hash.
func playgroundCSP(page []byte) string {
	urls := func(assets []asset) string {
		var u []string
		for _, a := range assets {
			u = append(u, a.URL)
		}
		return strings.Join(u, " ")
	}
	scriptSrc := urls(playgroundScripts)
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		scriptSrc += " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'none'; script-src " + scriptSrc +
		"; style-src " + urls(playgroundStyles) + " 'unsafe-inline'; font-src data:; img-src 'self' data:" +
		"; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}
