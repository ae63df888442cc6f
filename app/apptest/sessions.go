package apptest

import "testing"

// Documents of the session operations.
const (
	RefreshMutation       = `mutation($r:String!){refreshSession(input:{refreshToken:$r}){accessToken tokenType expiresAt deviceToken refreshToken refreshExpiresAt user{id username email}}}`
	SignOutMutation       = `mutation($s:SignOutScope){signOut(input:{scope:$s}){message}}`
	RevokeSessionMutation = `mutation($id:ID!){revokeSession(input:{id:$id}){message}}`
	SessionsQuery         = `{me{sessions{id createdAt lastUsedAt ipAddress userAgent current}}}`
)

// SessionInfo is an entry of me.sessions.
type SessionInfo struct {
	ID         string  `json:"id"`
	CreatedAt  string  `json:"createdAt"`
	LastUsedAt string  `json:"lastUsedAt"`
	IPAddress  *string `json:"ipAddress"`
	UserAgent  *string `json:"userAgent"`
	Current    bool    `json:"current"`
}

// Refresh exchanges a refresh token; the caller checks the answer.
func (e *Env) Refresh(tb testing.TB, refreshToken string) *Response {
	tb.Helper()
	return e.Query(tb, "", RefreshMutation, map[string]any{"r": refreshToken})
}

// Sessions lists the sessions of the token's account, failing the test otherwise.
func (e *Env) Sessions(tb testing.TB, accessToken string) []SessionInfo {
	tb.Helper()
	var me struct{ Sessions []SessionInfo }
	e.Query(tb, accessToken, SessionsQuery, nil).Decode(tb, "me", &me)
	return me.Sessions
}
