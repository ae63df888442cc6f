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

	"latchkey/locale"
)

//go:embed templates
var templateFS embed.FS

// The mails, each a folder of templates/.
const (
	mailReset           = "password_reset"
	mailChanged         = "password_changed"
	mailSignUp          = "sign_up"
	mailSignUpNotice    = "sign_up_notice"
	mailVerify          = "email_verification"
	mailChangeLink      = "email_change"
	mailChangeTaken     = "email_change_taken"
	mailChangeRequested = "email_change_requested"
	mailEmailChanged    = "email_changed"
)

// mailNames lists every mail.
var mailNames = []string{mailReset, mailChanged, mailSignUp, mailSignUpNotice, mailVerify,
	mailChangeLink, mailChangeTaken, mailChangeRequested, mailEmailChanged}

// mailTemplate is one email's parsed templates in one language.
type mailTemplate struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

// Mailer renders the product's emails and hands them to a Transport.
type Mailer struct {
	transport Transport
	appName   string
	mails     map[string]map[string]mailTemplate // language, then mail
}

// NewMailer parses the embedded templates once per language and returns a Mailer sending through t.
func NewMailer(t Transport, appName string) (*Mailer, error) {
	if t == nil {
		return nil, errors.New("email: transport is nil")
	}
	appName = oneLine(appName)
	if appName == "" {
		return nil, errors.New("email: app name is empty")
	}
	m := &Mailer{transport: t, appName: appName, mails: map[string]map[string]mailTemplate{}}
	for _, lang := range locale.Languages() {
		p := locale.For(lang)
		layout, err := htmltemplate.New("layout.html").Funcs(htmlFuncs(p)).ParseFS(templateFS, "templates/layout.html")
		if err != nil {
			return nil, fmt.Errorf("email: parse layout: %w", err)
		}
		m.mails[lang] = map[string]mailTemplate{}
		for _, name := range mailNames {
			if m.mails[lang][name], err = parseMail(layout, p, name); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func parseMail(layout *htmltemplate.Template, p *locale.Printer, name string) (mailTemplate, error) {
	dir := "templates/" + name + "/"
	var t mailTemplate
	var err error
	if t.subject, err = texttemplate.New("subject.txt").Funcs(textFuncs(p)).ParseFS(templateFS, dir+"subject.txt"); err != nil {
		return t, fmt.Errorf("email: parse %s subject: %w", name, err)
	}
	if t.text, err = texttemplate.New("body.txt").Funcs(textFuncs(p)).ParseFS(templateFS, dir+"body.txt"); err != nil {
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
func (m *Mailer) SendPasswordReset(ctx context.Context, lang, to, username, link string, validFor time.Duration) error {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("email: reset link must be an absolute http(s) URL")
	}
	if validFor <= 0 {
		return errors.New("email: reset link validity must be positive")
	}
	data := struct {
		AppName, Username, Link string
		ValidFor                time.Duration
	}{m.appName, username, link, validFor}
	return m.send(ctx, lang, mailReset, to, data)
}

// SendPasswordChanged tells to that their password was changed, times times since the
// account's previous notice, sent at since, the latest change at at.
func (m *Mailer) SendPasswordChanged(ctx context.Context, lang, to, username string, at time.Time, times int, since time.Time) error {
	data := struct {
		AppName, Username string
		When, Since       time.Time
		Times             int
	}{m.appName, username, at, since, max(times, 1)}
	return m.send(ctx, lang, mailChanged, to, data)
}

// send renders the mail name in lang (Default when not supported) and sends it to to.
func (m *Mailer) send(ctx context.Context, lang, name, to string, data any) error {
	if to == "" {
		return errors.New("email: recipient is empty")
	}
	mails, ok := m.mails[lang]
	if !ok {
		mails = m.mails[locale.Default]
	}
	msg, err := render(mails[name], data)
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
