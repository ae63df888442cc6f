// Package localetest finds English left in a rendering that should be in another language.
package localetest

import (
	"html"
	"maps"
	"regexp"
	"slices"
	"strings"

	"latchkey/locale"
)

var (
	// What splits a message into the literal text a translation replaces.
	pieces = regexp.MustCompile(`%(\[\d+\])?[sd]|<[^>]*>`)
	tags   = regexp.MustCompile(`<[^>]*>`)
)

// Flatten turns rendered text or HTML into words separated by single spaces, markup removed.
func Flatten(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(s, " "))), " ")
}

// English returns the phrases (two words or more) of the English catalogue that appear in
// rendered, a page or mail in lang, where lang's catalogue says something else: a string the
// templates should have taken from the catalogue, or a key the language lacks.
func English(lang, rendered string) []string {
	en, other := locale.For(locale.Default).Raw(""), locale.For(lang).Raw("")
	// The keys a page hands its scripts are no text; those of API messages hold English.
	keys := slices.SortedFunc(maps.Keys(en), func(a, b string) int { return len(b) - len(a) })
	for _, key := range keys {
		rendered = strings.ReplaceAll(rendered, `"`+key+`"`, "")
	}
	flat := " " + Flatten(rendered) + " "
	var found []string
	for key, value := range en {
		if key == "language.name" || equal(value, other[key]) {
			continue
		}
		for _, text := range forms(value) {
			for _, piece := range pieces.Split(text, -1) {
				piece = Flatten(piece)
				if strings.Count(piece, " ") >= 1 && strings.Contains(flat, piece) {
					found = append(found, key+": "+piece)
				}
			}
		}
	}
	slices.Sort(found)
	return slices.Compact(found)
}

func forms(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]string:
		var out []string
		for _, s := range v {
			out = append(out, s)
		}
		return out
	}
	return nil
}

func equal(a, b any) bool {
	fa, fb := forms(a), forms(b)
	slices.Sort(fa)
	slices.Sort(fb)
	return slices.Equal(fa, fb)
}
