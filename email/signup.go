package email

import (
	"context"
	"errors"
	htmltemplate "html/template"
	"net/url"
	"time"
)

// signUpTemplates are the mails of sign-up and address verification.
type signUpTemplates struct {
	link, notice, verify mailTemplate
}

func parseSignUp(layout *htmltemplate.Template) (t signUpTemplates, err error) {
	if t.link, err = parseMail(layout, "sign_up"); err != nil {
		return t, err
	}
	if t.notice, err = parseMail(layout, "sign_up_notice"); err != nil {
		return t, err
	}
	t.verify, err = parseMail(layout, "email_verification")
	return t, err
}

// SendSignUpLink mails to the link that creates the account username, valid for validFor.
func (m *Mailer) SendSignUpLink(ctx context.Context, to, username, link string, validFor time.Duration) error {
	return m.sendLink(ctx, m.signUp.link, to, username, link, validFor)
}

// SendVerificationLink mails to the link that proves their address, valid for validFor.
func (m *Mailer) SendVerificationLink(ctx context.Context, to, username, link string, validFor time.Duration) error {
	return m.sendLink(ctx, m.signUp.verify, to, username, link, validFor)
}

// SendSignUpNotice tells to, who has the account username, that someone tried to sign up with
// the address, with the links to sign in and to reset the password.
func (m *Mailer) SendSignUpNotice(ctx context.Context, to, username, signInLink, resetLink string) error {
	if !absoluteLink(signInLink) || !absoluteLink(resetLink) {
		return errors.New("email: sign-in and reset links must be absolute http(s) URLs")
	}
	data := struct{ AppName, Username, SignInLink, ResetLink string }{m.appName, username, signInLink, resetLink}
	return m.send(ctx, m.signUp.notice, to, data)
}

func (m *Mailer) sendLink(ctx context.Context, t mailTemplate, to, username, link string, validFor time.Duration) error {
	if !absoluteLink(link) {
		return errors.New("email: link must be an absolute http(s) URL")
	}
	if validFor <= 0 {
		return errors.New("email: link validity must be positive")
	}
	data := struct{ AppName, Username, Link, ValidFor string }{m.appName, username, link, humanDuration(validFor)}
	return m.send(ctx, t, to, data)
}

// absoluteLink reports whether link is an absolute http or https URL, the only kind a mail may carry.
func absoluteLink(link string) bool {
	u, err := url.Parse(link)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
