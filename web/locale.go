package web

import (
	"html/template"

	"latchkey/locale"
)

// pageFuncs are the functions of the page templates in the language of p: t for a message
// (escaped like any text), tm for one around markup the template itself passes in, and lang.
func pageFuncs(p *locale.Printer) template.FuncMap {
	return template.FuncMap{
		"t": p.T,
		"tm": func(key string, markup ...any) (template.HTML, error) {
			s, err := p.T(key, markup...)
			return template.HTML(s), err // #nosec: the catalogue and the markup are both ours
		},
		"lang": p.Lang,
	}
}
