package locale_test

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"latchkey/locale"
)

var verbs = regexp.MustCompile(`%(\[\d+\])?[sd]`)

// argsOf lists the arguments a message formats, whatever their order in the sentence.
func argsOf(v any) []string {
	var texts []string
	switch v := v.(type) {
	case string:
		texts = []string{v}
	case map[string]string:
		texts = slices.Collect(maps.Values(v))
	}
	var out []string
	for _, text := range texts {
		out = append(out, verbs.FindAllString(text, -1)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestCataloguesComplete: every language has every English key, no other, with the same
// arguments and the same shape (plural or not), and only <strong> as markup.
func TestCataloguesComplete(t *testing.T) {
	en := locale.For(locale.Default).Raw("")
	for _, lang := range locale.Languages() {
		t.Run(lang, func(t *testing.T) {
			got := locale.For(lang).Raw("")
			for key, want := range en {
				v, ok := got[key]
				switch {
				case !ok:
					t.Errorf("%s lacks %q", lang, key)
				case !slices.Equal(argsOf(v), argsOf(want)):
					t.Errorf("%s %q formats %v, English %v", lang, key, argsOf(v), argsOf(want))
				}
				if _, plural := want.(map[string]string); ok && plural != isPlural(v) {
					t.Errorf("%s %q: plural %v, English %v", lang, key, isPlural(v), plural)
				}
			}
			for key, v := range got {
				if _, ok := en[key]; !ok {
					t.Errorf("%s has %q, which English lacks", lang, key)
				}
				if s, ok := v.(string); ok && strings.Count(strings.ReplaceAll(strings.ReplaceAll(s, "<strong>", ""), "</strong>", ""), "<") > 0 {
					t.Errorf("%s %q has markup other than <strong>: %q", lang, key, s)
				}
			}
		})
	}
}

func isPlural(v any) bool { _, ok := v.(map[string]string); return ok }

func TestLanguages(t *testing.T) {
	if got := locale.Languages(); len(got) < 2 || got[0] != "en" || !slices.Contains(got, "de") {
		t.Errorf("Languages = %v, want en first, and de", got)
	}
}

func TestMatch(t *testing.T) {
	for header, want := range map[string]string{
		"":                        "en",
		"de":                      "de",
		"de-DE,de;q=0.9,en;q=0.8": "de",
		"de-AT":                   "de",
		"fr-FR,fr;q=0.9":          "en",
		"fr;q=0.9,de;q=0.5":       "de",
		"en-GB,en;q=0.9,de;q=0.8": "en",
		"*":                       "en",
		"not a header;;;===":      "en",
		"en;q=0.1,de;q=0.9":       "de",
	} {
		if got := locale.Match(header); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestSupported(t *testing.T) {
	for tag, want := range map[string]string{"de": "de", "DE": "de", "de-AT": "de", "en-US": "en", "fr": "", "": "", "x-klingon": "", "de\n": ""} {
		got, ok := locale.Supported(tag)
		if got != want || ok != (want != "") {
			t.Errorf("Supported(%q) = %q, %v; want %q", tag, got, ok, want)
		}
	}
}

func TestPrinter(t *testing.T) {
	de := locale.For("de")
	for _, tc := range []struct {
		key  string
		arg  int
		want string
	}{{"time.days", 1, "1 Tag"}, {"time.days", 2, "2 Tagen"}, {"time.minutes", 1, "1 Minute"}} {
		if got, err := de.T(tc.key, tc.arg); err != nil || got != tc.want {
			t.Errorf("T(%q, %d) = %q, %v; want %q", tc.key, tc.arg, got, err, tc.want)
		}
	}
	if _, err := de.T("no.such.key"); err == nil {
		t.Error("T of an unknown key: want an error")
	}
	if got := locale.For("fr").Lang(); got != "en" {
		t.Errorf("For(fr).Lang() = %q, want en", got)
	}
}
