package email

import (
	"context"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates
var templateFS embed.FS

// changedTimeLayout renders the time of a password change, always in UTC.
const changedTimeLayout = "Monday, 2 January 2006 at 15:04 UTC"

// mailTemplate is one email's parsed templates.
type mailTemplate struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

// Mailer renders the product's emails and hands them to a Transport.
type Mailer struct {
	transport Transport
	appName   string
	reset     mailTemplate
	changed   mailTemplate
	signUp    signUpTemplates
	change    changeMails
}

// NewMailer parses the embedded templates once and returns a Mailer sending through t.
func NewMailer(t Transport, appName string) (*Mailer, error) {
	if t == nil {
		return nil, errors.New("email: transport is nil")
	}
	appName = oneLine(appName)
	if appName == "" {
		return nil, errors.New("email: app name is empty")
	}
	layout, err := htmltemplate.ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("email: parse layout: %w", err)
	}
	m := &Mailer{transport: t, appName: appName}
	if m.reset, err = parseMail(layout, "password_reset"); err != nil {
		return nil, err
	}
	if m.changed, err = parseMail(layout, "password_changed"); err != nil {
		return nil, err
	}
	if m.signUp, err = parseSignUp(layout); err != nil {
		return nil, err
	}
	if m.change, err = parseChangeMails(layout); err != nil {
		return nil, err
	}
	return m, nil
}

func parseMail(layout *htmltemplate.Template, name string) (mailTemplate, error) {
	dir := "templates/" + name + "/"
	var t mailTemplate
	var err error
	if t.subject, err = texttemplate.ParseFS(templateFS, dir+"subject.txt"); err != nil {
		return t, fmt.Errorf("email: parse %s subject: %w", name, err)
	}
	if t.text, err = texttemplate.ParseFS(templateFS, dir+"body.txt"); err != nil {
		return t, fmt.Errorf("email: parse %s text body: %w", name, err)
	}
	html, err := layout.Clone()
	if err != nil {
		return t, fmt.Errorf("email: clone layout for %s: %w", name, err)
	}
	if t.html, err = html.ParseFS(templateFS, dir+"body.html"); err != nil {
		return t, fmt.Errorf("email: parse %s HTML body: %w", name, err)
	}
	return t, nil
}

// SendPasswordReset mails to the link that resets their password, valid for validFor.
func (m *Mailer) SendPasswordReset(ctx context.Context, to, username, link string, validFor time.Duration) error {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("email: reset link must be an absolute http(s) URL")
	}
	if validFor <= 0 {
		return errors.New("email: reset link validity must be positive")
	}
	data := struct{ AppName, Username, Link, ValidFor string }{
		m.appName, username, link, humanDuration(validFor),
	}
	return m.send(ctx, m.reset, to, data)
}

// SendPasswordChanged tells to that their password was changed, times times since the
// account's previous notice, sent at since, the latest change at at.
func (m *Mailer) SendPasswordChanged(ctx context.Context, to, username string, at time.Time, times int, since time.Time) error {
	data := struct {
		AppName, Username, When, Since string
		Times                          int
	}{m.appName, username, at.UTC().Format(changedTimeLayout), since.UTC().Format(changedTimeLayout), max(times, 1)}
	return m.send(ctx, m.changed, to, data)
}

func (m *Mailer) send(ctx context.Context, t mailTemplate, to string, data any) error {
	if to == "" {
		return errors.New("email: recipient is empty")
	}
	msg, err := render(t, data)
	if err != nil {
		return err
	}
	msg.To = to
	return m.transport.Send(ctx, msg)
}

func render(t mailTemplate, data any) (Message, error) {
	var subject, text, html strings.Builder
	if err := t.subject.Execute(&subject, data); err != nil {
		return Message{}, fmt.Errorf("email: render subject: %w", err)
	}
	if err := t.text.Execute(&text, data); err != nil {
		return Message{}, fmt.Errorf("email: render text body: %w", err)
	}
	if err := t.html.ExecuteTemplate(&html, "layout.html", data); err != nil {
		return Message{}, fmt.Errorf("email: render HTML body: %w", err)
	}
	return Message{Subject: oneLine(subject.String()), Text: text.String(), HTML: html.String()}, nil
}
