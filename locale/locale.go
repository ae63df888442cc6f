// Package locale holds the message catalogues of every mail and page, one embedded JSON file per
// language (en.json, de.json, …): adding a language is adding its file. Messages are formatted
// with golang.org/x/text/message, so plurals follow each language's rules.
package locale

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Default is the language of whoever asked for none we have.
const Default = "en"

//go:embed *.json
var files embed.FS

// A message is a format string, or one per plural form ("one", "other", …) of its first argument.
type entry struct {
	text  string
	forms map[string]string
}

func (e *entry) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &e.text); err == nil {
		return nil
	}
	return json.Unmarshal(b, &e.forms)
}

var (
	tags     []language.Tag // Default first
	names    []string
	messages = map[string]map[string]entry{}
	builder  = catalog.NewBuilder(catalog.Fallback(language.English))
	matcher  language.Matcher
)

func init() {
	if err := load(); err != nil {
		panic("locale: " + err.Error())
	}
}

func load() error {
	list, err := fs.Glob(files, "*.json")
	if err != nil {
		return err
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i] == Default+".json" || list[j] != Default+".json" && list[i] < list[j]
	})
	for _, file := range list {
		name := strings.TrimSuffix(file, ".json")
		tag, err := language.Parse(name)
		if err != nil || tag.String() != name {
			return fmt.Errorf("%s: the file name must be a canonical BCP 47 tag", file)
		}
		b, err := files.ReadFile(file)
		if err != nil {
			return err
		}
		m := map[string]entry{}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for key, e := range m {
			if err := set(tag, key, e); err != nil {
				return fmt.Errorf("%s: %s: %w", file, key, err)
			}
		}
		tags, names, messages[name] = append(tags, tag), append(names, name), m
	}
	if len(names) == 0 || names[0] != Default {
		return fmt.Errorf("no %s.json", Default)
	}
	matcher = language.NewMatcher(tags)
	return nil
}

func set(tag language.Tag, key string, e entry) error {
	if e.forms == nil {
		return builder.SetString(tag, key, e.text)
	}
	if _, ok := e.forms["other"]; !ok {
		return fmt.Errorf("a plural message needs an \"other\" form")
	}
	var cases []any
	for _, form := range []string{"zero", "one", "two", "few", "many", "other"} {
		if s, ok := e.forms[form]; ok {
			cases = append(cases, form, s)
		}
	}
	return builder.Set(tag, key, plural.Selectf(1, "", cases...))
}

// Languages lists the supported languages, Default first.
func Languages() []string { return slices.Clone(names) }

// Match returns the supported language that best fits an Accept-Language header, else Default.
func Match(acceptLanguage string) string {
	wanted, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		// One unknown or malformed entry fails the whole header: match on the others.
		wanted, _, err = language.ParseAcceptLanguage(strings.Join(slices.DeleteFunc(strings.Split(acceptLanguage, ","), func(entry string) bool {
			_, _, err := language.ParseAcceptLanguage(entry)
			return err != nil
		}), ","))
	}
	if err != nil || len(wanted) == 0 {
		return Default
	}
	_, i, confidence := matcher.Match(wanted...)
	if confidence == language.No {
		return Default
	}
	return names[i]
}

// Supported returns the supported language a BCP 47 tag names ("de", "de-AT" and "DE" are all
// "de"), and whether there is one.
func Supported(tag string) (string, bool) {
	t, err := language.Parse(tag)
	if err != nil {
		return "", false
	}
	base, _ := t.Base()
	for _, name := range names {
		if b, _ := language.Make(name).Base(); b == base {
			return name, true
		}
	}
	return "", false
}

// Printer formats the messages of one language.
type Printer struct {
	lang string
	p    *message.Printer
}

// For returns the printer of lang, or of Default when lang is not supported.
func For(lang string) *Printer {
	if _, ok := messages[lang]; !ok {
		lang = Default
	}
	return &Printer{lang: lang, p: message.NewPrinter(language.MustParse(lang), message.Catalog(builder))}
}

// Lang is the printer's language.
func (p *Printer) Lang() string { return p.lang }

// T formats the message key with args. A key the language lacks is an error, not English.
func (p *Printer) T(key string, args ...any) (string, error) {
	if _, ok := messages[p.lang][key]; !ok {
		return "", fmt.Errorf("locale: no message %q in %s", key, p.lang)
	}
	return p.p.Sprintf(key, args...), nil
}

// Raw returns the messages whose keys start with prefix, unformatted: a string, or a map from
// plural form to string. The pages hand them to their scripts.
func (p *Printer) Raw(prefix string) map[string]any {
	out := map[string]any{}
	for key, e := range messages[p.lang] {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		if e.forms != nil {
			out[key] = e.forms
		} else {
			out[key] = e.text
		}
	}
	return out
}

type ctxKey struct{}

// NewContext records the language a request asked for (see Match).
func NewContext(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, ctxKey{}, lang)
}

// FromContext returns the language recorded by NewContext, or Default.
func FromContext(ctx context.Context) string {
	if lang, ok := ctx.Value(ctxKey{}).(string); ok {
		return lang
	}
	return Default
}
