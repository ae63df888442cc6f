package email

import (
	"context"
	"errors"
	"net/url"
	"time"
)

// checkLinks refuses a link that is not an absolute http(s) URL: a mail must never carry a
// relative or script link.
func checkLinks(links ...string) error {
	for _, link := range links {
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("email: links must be absolute http(s) URLs")
		}
	}
	return nil
}

// SendEmailChangeLink mails to, the address an account asks to move to, the link that confirms
// the move, valid for validFor.
func (m *Mailer) SendEmailChangeLink(ctx context.Context, lang, to, username, link string, validFor time.Duration) error {
	if err := checkLinks(link); err != nil {
		return err
	}
	if validFor <= 0 {
		return errors.New("email: link validity must be positive")
	}
	data := struct {
		AppName, Username, Email, Link string
		ValidFor                       time.Duration
	}{m.appName, username, to, link, validFor}
	return m.send(ctx, lang, mailChangeLink, to, data)
}

// SendEmailChangeTaken tells to, which already has an account (named username), that another
// account asked to move to it, with the links to sign in and to reset the password.
func (m *Mailer) SendEmailChangeTaken(ctx context.Context, lang, to, username, signInLink, resetLink string) error {
	if err := checkLinks(signInLink, resetLink); err != nil {
		return err
	}
	data := struct{ AppName, Username, Email, SignInLink, ResetLink string }{
		m.appName, username, to, signInLink, resetLink,
	}
	return m.send(ctx, lang, mailChangeTaken, to, data)
}

// SendEmailChangeRequested tells to, an account's current address, that a move to newEmail was
// asked for, to happen if the link sent there is used within validFor, with the links to reset
// the password (which cancels it) and to the account page.
func (m *Mailer) SendEmailChangeRequested(ctx context.Context, lang, to, username, newEmail, resetLink, accountLink string, validFor time.Duration) error {
	if err := checkLinks(resetLink, accountLink); err != nil {
		return err
	}
	if validFor <= 0 {
		return errors.New("email: link validity must be positive")
	}
	data := struct {
		AppName, Username, NewEmail, ResetLink, AccountLink string
		ValidFor                                            time.Duration
	}{m.appName, username, oneLine(newEmail), resetLink, accountLink, validFor}
	return m.send(ctx, lang, mailChangeRequested, to, data)
}

// SendEmailChanged tells to, an account's old address, that the account moved to newEmail at at.
func (m *Mailer) SendEmailChanged(ctx context.Context, lang, to, username, newEmail string, at time.Time) error {
	data := struct {
		AppName, Username, NewEmail string
		When                        time.Time
	}{m.appName, username, oneLine(newEmail), at}
	return m.send(ctx, lang, mailEmailChanged, to, data)
}
