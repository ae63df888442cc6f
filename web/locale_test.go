package web_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"latchkey/locale"
	"latchkey/locale/localetest"
)

// TestEveryPageInEveryLanguage renders every page, and the 404 page, in every language, chosen
// by Accept-Language: the page says its language, and a language's page holds no English
// where its catalogue says otherwise. (New fails on a key a language lacks.)
func TestEveryPageInEveryLanguage(t *testing.T) {
	h := newHandler(t)
	for _, lang := range locale.Languages() {
		for _, p := range append(pagePaths, "/no/such/page") {
			t.Run(lang+p, func(t *testing.T) {
				res := serve(t, h, http.MethodGet, p, http.Header{"Accept-Language": {lang + ";q=0.9,zz;q=0.1"}})
				body := readBody(t, res)
				if got := res.Header.Get("Content-Language"); got != lang {
					t.Errorf("Content-Language = %q, want %q", got, lang)
				}
				if !strings.Contains(res.Header.Get("Vary"), "Accept-Language") {
					t.Errorf("Vary = %q, want Accept-Language", res.Header.Get("Vary"))
				}
				if !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("the page does not say lang=%q", lang)
				}
				if lang == locale.Default {
					return
				}
				for _, english := range localetest.English(lang, body) {
					t.Errorf("English left in the %s page: %s", lang, english)
				}
			})
		}
	}
}

// TestPageLanguageDefault: a browser asking for a language we lack gets English.
func TestPageLanguageDefault(t *testing.T) {
	res := serve(t, newHandler(t), http.MethodGet, "/login", http.Header{"Accept-Language": {"fr-FR,fr;q=0.9"}})
	if body := readBody(t, res); !strings.Contains(body, `<html lang="en">`) || res.Header.Get("Content-Language") != "en" {
		t.Errorf("Content-Language = %q, want the English page", res.Header.Get("Content-Language"))
	}
}

var (
	scriptKey = regexp.MustCompile(`\bt\("([^"]+)"`)
	// A string literal that reads as an English sentence, which belongs in the catalogue.
	englishLiteral = regexp.MustCompile("[\"`][A-Z][a-z]+ [a-z]+[^\"`]*[\"`]")
	// The server's words that a script compares an answer with, and never shows.
	serverWords = []string{`"Invalid or expired verification link"`}
)

// TestScriptMessages: every message key a script uses is in every language's catalogue (a
// missing one would show as the key), and no script writes English of its own.
func TestScriptMessages(t *testing.T) {
	scripts := os.DirFS("static")
	names, err := fs.Glob(scripts, "*.js")
	if err != nil || len(names) == 0 {
		t.Fatalf("scripts: %v %v", names, err)
	}
	for _, name := range names {
		src, err := fs.ReadFile(scripts, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range scriptKey.FindAllStringSubmatch(string(src), -1) {
			for _, lang := range locale.Languages() {
				if _, ok := locale.For(lang).Raw("js.")[m[1]]; !ok {
					t.Errorf("%s: %s lacks the message %q", name, lang, m[1])
				}
			}
		}
		for i, line := range strings.Split(string(src), "\n") {
			if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, "//") || strings.Contains(line, "gql(") {
				continue
			}
			lit := englishLiteral.FindString(line)
			if lit != "" && !slices.Contains(serverWords, lit) && !strings.Contains(lit, "mutation ") && !strings.Contains(lit, "query ") {
				t.Errorf("%s:%d: English in the script, not from the catalogue: %s", name, i+1, lit)
			}
		}
	}
}

// TestServerMessages: a catalogue's translation of an API message is keyed by the message
// itself, as the server sends it, so the English catalogue must repeat it word for word.
func TestServerMessages(t *testing.T) {
	n := 0
	for key, value := range locale.For(locale.Default).Raw("js.api:") {
		if n++; value != strings.TrimPrefix(key, "js.api:") {
			t.Errorf("%q is %q: the English must be the message itself", key, value)
		}
	}
	if n == 0 {
		t.Error("no API message in the catalogue")
	}
}

// TestScriptMessagesBlock: each page hands its scripts its language's messages as JSON.
func TestScriptMessagesBlock(t *testing.T) {
	res := serve(t, newHandler(t), http.MethodGet, "/login", http.Header{"Accept-Language": {"de"}})
	body := readBody(t, res)
	start := strings.Index(body, `<script type="application/json" id="messages">`)
	if start < 0 {
		t.Fatal("no messages block")
	}
	block := body[start+len(`<script type="application/json" id="messages">`):]
	block = block[:strings.Index(block, "</script>")]
	var got map[string]any
	if err := json.Unmarshal([]byte(block), &got); err != nil {
		t.Fatalf("messages block: %v\n%s", err, block)
	}
	if want, _ := locale.For("de").T("js.bad_credentials"); got["js.bad_credentials"] != want {
		t.Errorf("js.bad_credentials = %v, want %q", got["js.bad_credentials"], want)
	}
}
