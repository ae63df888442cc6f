package apptest

import (
	"crypto/tls"
	"sync"
	"testing"
	"time"

	"latchkey/email/emailtest"
)

// Session is the part of a Session payload tests look at.
type Session struct {
	AccessToken string    `json:"accessToken"`
	TokenType   string    `json:"tokenType"`
	ExpiresAt   time.Time `json:"expiresAt"`
	DeviceToken string    `json:"deviceToken"`
	// RefreshToken renews the session (refreshSession); RefreshExpiresAt is when it lapses.
	RefreshToken     string    `json:"refreshToken"`
	RefreshExpiresAt time.Time `json:"refreshExpiresAt"`
	User             struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Email    string `json:"email"`
	} `json:"user"`
}

// Operation documents the tests share.
const (
	RegisterMutation = `mutation($u:String!,$e:String!,$p:String!){register(input:{username:$u,email:$e,password:$p}){accessToken tokenType expiresAt deviceToken refreshToken refreshExpiresAt user{id username email}}}`
	LoginMutation    = `mutation($e:String!,$p:String!){login(input:{email:$e,password:$p}){accessToken tokenType expiresAt deviceToken refreshToken refreshExpiresAt user{id username email}}}`
	// LoginDeviceMutation signs in presenting the device token $d.
	LoginDeviceMutation = `mutation($e:String!,$p:String!,$d:String){login(input:{email:$e,password:$p,deviceToken:$d}){accessToken tokenType expiresAt deviceToken refreshToken refreshExpiresAt user{id username email}}}`
	ForgotMutation      = `mutation($e:String!){forgotPassword(input:{email:$e}){message}}`
	ResetMutation       = `mutation($t:String!,$p:String!){resetPassword(input:{token:$t,newPassword:$p}){message}}`
	ChangeMutation      = `mutation($c:String!,$n:String!){changePassword(input:{currentPassword:$c,newPassword:$n}){message session{accessToken expiresAt refreshToken refreshExpiresAt user{id email}}}}`
	DeleteMutation      = `mutation($p:String!){deleteAccount(input:{password:$p}){message}}`
	MeQuery             = `{me{id username email createdAt}}`
	CheckQuery          = `query($t:String!){checkResetToken(token:$t){valid expiresAt}}`
)

// Register creates an account and returns its session, failing the test otherwise.
func (e *Env) Register(tb testing.TB, username, email, password string) Session {
	tb.Helper()
	r := e.Query(tb, "", RegisterMutation, map[string]any{"u": username, "e": email, "p": password})
	var s Session
	r.Decode(tb, "register", &s)
	return s
}

// Login signs in and returns the session, failing the test otherwise.
func (e *Env) Login(tb testing.TB, email, password string) Session {
	tb.Helper()
	r := e.Query(tb, "", LoginMutation, map[string]any{"e": email, "p": password})
	var s Session
	r.Decode(tb, "login", &s)
	return s
}

// ResetTokenFromMail waits for the n-th mail (1-based) and returns the token of its reset link.
func (e *Env) ResetTokenFromMail(tb testing.TB, n int) string {
	tb.Helper()
	msgs := e.SMTP.Wait(tb, n, 10*time.Second)
	link := emailtest.ExtractLink(tb, msgs[n-1].Parsed.Text, e.App.Config.Account.FrontendURL+"/reset-password#token=")
	return link[len(e.App.Config.Account.FrontendURL+"/reset-password#token="):]
}

func smtpTLS(s *emailtest.Server) *tls.Config {
	return &tls.Config{RootCAs: s.RootCAs(), MinVersion: tls.VersionTLS12}
}

// Clock is a settable clock for the rules, so expiry is tested without waiting.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// NewClock returns a clock that starts at the real time.
func NewClock() *Clock { return &Clock{} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
