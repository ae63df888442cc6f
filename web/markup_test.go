package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// tag is one start tag of a page. The pages are our own plain HTML, so a small scanner that
// knows comments, quoted attribute values and raw-text elements reads them well enough.
type tag struct {
	name  string
	attrs map[string]string
	text  string // the content of a script or style element
}

func (t tag) has(name string) bool { _, ok := t.attrs[name]; return ok }

func scanTags(tb testing.TB, doc string) []tag {
	tb.Helper()
	var tags []tag
	for i := 0; i < len(doc); {
		lt := strings.IndexByte(doc[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		switch {
		case strings.HasPrefix(doc[i:], "<!--"):
			end := strings.Index(doc[i:], "-->")
			if end < 0 {
				tb.Fatal("unterminated comment")
			}
			i += end + 3
			continue
		case strings.HasPrefix(doc[i:], "</"), strings.HasPrefix(doc[i:], "<!"):
			end := strings.IndexByte(doc[i:], '>')
			if end < 0 {
				tb.Fatal("unterminated tag")
			}
			i += end + 1
			continue
		}
		t, next := scanTag(tb, doc, i+1)
		i = next
		if t.name == "script" || t.name == "style" {
			end := strings.Index(strings.ToLower(doc[i:]), "</"+t.name)
			if end < 0 {
				tb.Fatalf("unterminated <%s>", t.name)
			}
			t.text = doc[i : i+end]
			i += end
		}
		tags = append(tags, t)
	}
	return tags
}

func scanTag(tb testing.TB, doc string, i int) (tag, int) {
	tb.Helper()
	isSpace := func(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '/' }
	start := i
	for i < len(doc) && !isSpace(doc[i]) && doc[i] != '>' {
		i++
	}
	t := tag{name: strings.ToLower(doc[start:i]), attrs: map[string]string{}}
	for i < len(doc) {
		for i < len(doc) && isSpace(doc[i]) {
			i++
		}
		if i >= len(doc) {
			break
		}
		if doc[i] == '>' {
			return t, i + 1
		}
		start = i
		for i < len(doc) && !isSpace(doc[i]) && doc[i] != '=' && doc[i] != '>' {
			i++
		}
		name := strings.ToLower(doc[start:i])
		value := ""
		if i < len(doc) && doc[i] == '=' {
			i++
			if i < len(doc) && (doc[i] == '"' || doc[i] == '\'') {
				q := doc[i]
				end := strings.IndexByte(doc[i+1:], q)
				if end < 0 {
					tb.Fatalf("<%s>: unterminated value of %s", t.name, name)
				}
				value = doc[i+1 : i+1+end]
				i += end + 2
			} else {
				start = i
				for i < len(doc) && !isSpace(doc[i]) && doc[i] != '>' {
					i++
				}
				value = doc[start:i]
			}
		}
		if _, dup := t.attrs[name]; dup {
			tb.Errorf("<%s>: attribute %s twice", t.name, name)
		}
		t.attrs[name] = value
	}
	tb.Fatalf("<%s>: unterminated tag", t.name)
	return t, i
}

func pageTags(tb testing.TB, path string) []tag {
	tb.Helper()
	res := serve(tb, newHandler(tb), http.MethodGet, path, nil)
	return scanTags(tb, readBody(tb, res))
}

// inlineCode lists what a strict Content-Security-Policy would block or what it exists to forbid:
// script or style written into the page rather than loaded from our own files.
func inlineCode(tags []tag) []string {
	var found []string
	for _, tg := range tags {
		switch {
		case tg.name == "style":
			found = append(found, "<style> element")
		case dataBlock(tg):
			// Data for the scripts (the page's messages), which no browser runs; it must stay JSON.
			if !json.Valid([]byte(tg.text)) {
				found = append(found, "<script type=application/json> whose body is not JSON")
			}
		case tg.name == "script" && (tg.attrs["src"] == "" || strings.TrimSpace(tg.text) != ""):
			found = append(found, "<script> without src, or with a body")
		case tg.name == "script" && tg.attrs["type"] != "module":
			found = append(found, "<script> that is not a module")
		}
		for name, value := range tg.attrs {
			if name == "style" || strings.HasPrefix(name, "on") {
				found = append(found, "<"+tg.name+"> with "+name+" attribute")
			}
			if strings.HasPrefix(strings.TrimSpace(strings.ToLower(value)), "javascript:") {
				found = append(found, "<"+tg.name+"> with a javascript: URL")
			}
		}
	}
	return found
}

// dataBlock reports whether tg is a script element browsers keep as data and never run.
func dataBlock(tg tag) bool {
	return tg.name == "script" && tg.attrs["type"] == "application/json" && tg.attrs["src"] == ""
}

func TestInlineCode(t *testing.T) {
	for name, tc := range map[string]struct {
		doc  string
		want bool
	}{
		"OK":                {`<!-- <script>x()</script> --><script type="module" src="/static/a.js"></script><p class="x">on</p>`, false},
		"OKDataBlock":       {`<script type="application/json" id="messages">{"a":"b"}</script>`, false},
		"ErrDataBlockJS":    {`<script type="application/json">alert(1)</script>`, true},
		"ErrInlineScript":   {`<script>alert(1)</script>`, true},
		"ErrScriptWithBody": {`<script type="module" src="/a.js">x()</script>`, true},
		"ErrClassicScript":  {`<script src="/a.js"></script>`, true},
		"ErrStyleElement":   {`<STYLE>p{}</STYLE>`, true},
		"ErrStyleAttribute": {`<p style='color:red'>x</p>`, true},
		"ErrHandler":        {`<button type=button onclick=go()>x</button>`, true},
		"ErrJavaScriptURL":  {`<a href=" javascript:go()">x</a>`, true},
	} {
		t.Run(name, func(t *testing.T) {
			if got := inlineCode(scanTags(t, tc.doc)); (len(got) > 0) != tc.want {
				t.Errorf("inlineCode = %q, want found = %v", got, tc.want)
			}
		})
	}
}

func TestNoInlineScriptOrStyle(t *testing.T) {
	for _, p := range pagePaths {
		t.Run(p, func(t *testing.T) {
			tags := pageTags(t, p)
			for _, problem := range inlineCode(tags) {
				t.Error(problem)
			}
			scripts := 0
			for _, tg := range tags {
				if tg.name == "script" && !dataBlock(tg) {
					scripts++
				}
			}
			if scripts != 1 {
				t.Errorf("%d scripts, want the page's one module", scripts)
			}
		})
	}
}

func TestReferencedAssetsExist(t *testing.T) {
	h := newHandler(t)
	for _, p := range pagePaths {
		for _, tg := range pageTags(t, p) {
			for _, attr := range []string{"src", "href"} {
				ref := tg.attrs[attr]
				if !strings.HasPrefix(ref, "/static/") {
					continue
				}
				if res := serve(t, h, http.MethodGet, ref, nil); res.StatusCode != http.StatusOK {
					t.Errorf("%s: %s -> %d", p, ref, res.StatusCode)
				}
			}
		}
	}
}

// The browser tests find elements by these ids; they are part of the pages' interface.
func TestStableIDs(t *testing.T) {
	want := map[string][]string{
		"/login": {"login-form", "email", "password", "login-submit", "login-error", "login-notice", "forgot-link", "register-link"},
		"/register": {"register-form", "username", "email", "password", "register-submit", "register-error",
			"signup-sent", "signup-message", "signup-email", "resend", "resend-error", "signup-edit"},
		"/verify-email": {"verify-form", "verify-submit", "verify-error", "verify-status", "verify-links",
			"username-field", "username", "signup-again"},
		"/forgot-password": {"forgot-form", "email", "forgot-submit", "forgot-message", "forgot-error"},
		"/reset-password": {"reset-form", "new-password", "confirm-password", "reset-submit", "reset-error",
			"reset-status", "request-new-link"},
		"/account": {"account-user", "change-form", "current-password", "new-password", "confirm-password",
			"change-submit", "change-error", "change-message", "sign-out", "delete-open", "delete-form",
			"delete-password", "delete-submit", "delete-error", "verify-state", "verify-message", "send-verification",
			"email-form", "new-email", "email-password", "email-submit", "email-error", "email-message",
			"sessions-title", "sessions-list", "sessions-message", "sessions-error", "sign-out-others"},
		"/confirm-email": {"confirm-form", "confirm-submit", "confirm-error", "confirm-status", "account-link"},
	}
	for _, p := range pagePaths {
		t.Run(p, func(t *testing.T) {
			var ids []string
			for _, tg := range pageTags(t, p) {
				if id, ok := tg.attrs["id"]; ok {
					if slices.Contains(ids, id) {
						t.Errorf("id %q used twice", id)
					}
					ids = append(ids, id)
				}
			}
			for _, id := range want[p] {
				if !slices.Contains(ids, id) {
					t.Errorf("no element with id %q", id)
				}
			}
		})
	}
}

func TestFormsAreAccessible(t *testing.T) {
	for _, p := range pagePaths {
		t.Run(p, func(t *testing.T) {
			tags := pageTags(t, p)
			labelled := map[string]bool{}
			for _, tg := range tags {
				if tg.name == "label" && tg.attrs["for"] != "" {
					labelled[tg.attrs["for"]] = true
				}
			}
			for i, tg := range tags {
				switch tg.name {
				case "form":
					if !tg.has("novalidate") || tg.attrs["method"] != "post" {
						t.Errorf("form %q: want method=post and novalidate", tg.attrs["id"])
					}
				case "input":
					if tg.has("hidden") || tg.attrs["type"] == "hidden" {
						continue
					}
					// A checkbox may sit inside its label instead.
					wrapped := tg.attrs["type"] == "checkbox" && i > 0 && tags[i-1].name == "label"
					if !labelled[tg.attrs["id"]] && !wrapped {
						t.Errorf("input %q has no label", tg.attrs["id"])
					}
					if tg.attrs["type"] == "password" {
						if ac := tg.attrs["autocomplete"]; ac != "current-password" && ac != "new-password" {
							t.Errorf("password input %q: autocomplete = %q", tg.attrs["id"], ac)
						}
					}
					if tg.attrs["type"] == "email" && tg.attrs["autocomplete"] == "" {
						t.Errorf("email input %q has no autocomplete", tg.attrs["id"])
					}
				case "button":
					if tg.attrs["type"] == "" {
						t.Errorf("button %q has no type", tg.attrs["id"])
					}
				}
			}
		})
	}
}
