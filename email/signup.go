package email

import (
	"context"
	"errors"
	"net/url"
	"time"
)

// SendSignUpLink mails to the link that creates the account username, valid for validFor.
func (m *Mailer) SendSignUpLink(ctx context.Context, lang, to, username, link string, validFor time.Duration) error {
	return m.sendLink(ctx, lang, mailSignUp, to, username, link, validFor)
}

// SendVerificationLink mails to the link that proves their address, valid for validFor.
func (m *Mailer) SendVerificationLink(ctx context.Context, lang, to, username, link string, validFor time.Duration) error {
	return m.sendLink(ctx, lang, mailVerify, to, username, link, validFor)
}

// SendSignUpNotice tells to, who has the account username, that someone tried to sign up with
// the address, with the links to sign in and to reset the password.
func (m *Mailer) SendSignUpNotice(ctx context.Context, lang, to, username, signInLink, resetLink string) error {
	if !absoluteLink(signInLink) || !absoluteLink(resetLink) {
		return errors.New("email: sign-in and reset links must be absolute http(s) URLs")
	}
	data := struct{ AppName, Username, SignInLink, ResetLink string }{m.appName, username, signInLink, resetLink}
	return m.send(ctx, lang, mailSignUpNotice, to, data)
}

func (m *Mailer) sendLink(ctx context.Context, lang, name, to, username, link string, validFor time.Duration) error {
	if !absoluteLink(link) {
		return errors.New("email: link must be an absolute http(s) URL")
	}
	if validFor <= 0 {
		return errors.New("email: link validity must be positive")
	}
	data := struct {
		AppName, Username, Link string
		ValidFor                time.Duration
	}{m.appName, username, link, validFor}
	return m.send(ctx, lang, name, to, data)
}

// absoluteLink reports whether link is an absolute http or https URL, the only kind a mail may carry.
func absoluteLink(link string) bool {
	u, err := url.Parse(link)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
