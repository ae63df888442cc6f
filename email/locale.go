package email

import (
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"latchkey/locale"
)

// strongTags is the only markup a catalogue message may carry; text mail drops it.
var strongTags = strings.NewReplacer("<strong>", "", "</strong>", "")

// textFuncs are the functions of the subject and text templates in the language of p.
func textFuncs(p *locale.Printer) texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"t": func(key string, args ...any) (string, error) {
			s, err := p.T(key, args...)
			return strongTags.Replace(s), err
		},
		"wrap": wrap,
		"dur":  func(d time.Duration) (string, error) { return humanDuration(p, d) },
		"when": func(t time.Time) (string, error) { return when(p, t) },
	}
}

// htmlFuncs are the functions of the HTML templates in the language of p. The catalogue is
// trusted markup; the arguments, which may come from users, are escaped before they go in.
func htmlFuncs(p *locale.Printer) htmltemplate.FuncMap {
	return htmltemplate.FuncMap{
		"t": func(key string, args ...any) (htmltemplate.HTML, error) {
			escaped := make([]any, len(args))
			for i, a := range args {
				if s, ok := a.(string); ok {
					a = htmltemplate.HTMLEscapeString(s)
				}
				escaped[i] = a
			}
			s, err := p.T(key, escaped...)
			return htmltemplate.HTML(s), err // #nosec: the catalogue is ours, the arguments escaped
		},
		// plain is t without markup, for the preheader, which clients show as text.
		"plain": func(key string, args ...any) (string, error) {
			s, err := p.T(key, args...)
			return strongTags.Replace(s), err
		},
		"lang": p.Lang,
		"dur":  func(d time.Duration) (string, error) { return humanDuration(p, d) },
		"when": func(t time.Time) (string, error) { return when(p, t) },
	}
}

// wrap breaks s into lines of at most 72 columns between words, so text mail reads well in
// any client; a word longer than that (a link) keeps a line of its own.
func wrap(s string) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(s) {
		if col > 0 && col+1+len([]rune(word)) > 72 {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len([]rune(word))
	}
	return b.String()
}

// when renders t, in UTC, in the words of p, e.g. "Monday, 2 January 2006 at 15:04 UTC".
func when(p *locale.Printer, t time.Time) (string, error) {
	t = t.UTC()
	day, err := p.T("time.weekday." + strings.ToLower(t.Weekday().String()))
	if err != nil {
		return "", err
	}
	month, err := p.T("time.month." + strings.ToLower(t.Month().String()))
	if err != nil {
		return "", err
	}
	return p.T("time.datetime", day, t.Format("2"), month, t.Format("2006"), t.Format("15:04"))
}
