// Package web serves the browser pages: plain HTML, one stylesheet and small script modules,
// embedded in the binary. The pages talk to /graphql with fetch; nothing here knows the API.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"latchkey/locale"
)

// PasswordMaxLength is the longest password the contract accepts, in Unicode characters.
const PasswordMaxLength = 128

//go:embed pages/*.html pages/*.tmpl static
var content embed.FS

// routes maps each page's path to its template in pages/.
var routes = map[string]string{
	"/":                "index.html",
	"/login":           "login.html",
	"/register":        "register.html",
	"/forgot-password": "forgot-password.html",
	"/reset-password":  "reset-password.html",
	"/account":         "account.html",
	"/verify-email":    "verify-email.html",
	"/confirm-email":   "confirm-email.html",
}

// noReferrer are the pages a mailed link opens with its token in the address: no request made
// from them may pass the address on.
var noReferrer = map[string]bool{"/reset-password": true, "/verify-email": true, "/confirm-email": true}

// assetTypes lists the asset kinds we ship; a file of any other kind fails New, so that nothing
// is ever served with a guessed Content-Type.
var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// The policy allows only our own files: no inline script or style, no framing, and no native form
// submission, so a form pressed before its script has loaded goes nowhere.
const contentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; " +
	"form-action 'none'; object-src 'none'"

type pageData struct {
	AppName           string
	PasswordMinLength int
	PasswordMaxLength int
	ResendAfter       int            // seconds before the register page offers to send its link again
	Messages          map[string]any // the page scripts' messages (keys "js."), in the page's language
	Languages         []language     // what the account page offers
}

// language is one the pages and mails are written in.
type language struct{ Tag, Name string }

type asset struct {
	body        []byte
	contentType string
	etag        string
}

type handler struct {
	pages    map[string]map[string][]byte // language, then path
	notFound map[string][]byte            // the page of every unknown path, by language
	assets   map[string]asset
}

// notFoundPage answers every path that is neither a page nor an asset, with status 404.
const notFoundPage = "not-found.html"

// New renders the pages once and returns the handler that serves them and their assets.
// appName is shown in every page; passwordMinLength (1 to PasswordMaxLength) is what the
// forms check before sending a new password; mailInterval is the least time between two mails
// to one address (RESET_MAIL_MIN_INTERVAL_SECONDS), which the register page waits before it
// offers to send its link again.
func New(appName string, passwordMinLength int, mailInterval time.Duration) (http.Handler, error) {
	if strings.TrimSpace(appName) == "" {
		return nil, errors.New("web: app name is empty")
	}
	if passwordMinLength < 1 || passwordMinLength > PasswordMaxLength {
		return nil, fmt.Errorf("web: password min length %d is outside 1..%d", passwordMinLength, PasswordMaxLength)
	}
	if mailInterval < 0 {
		return nil, fmt.Errorf("web: mail interval %v is negative", mailInterval)
	}
	data := pageData{AppName: appName, PasswordMinLength: passwordMinLength, PasswordMaxLength: PasswordMaxLength,
		ResendAfter: int(mailInterval.Round(time.Second) / time.Second)}
	for _, lang := range locale.Languages() {
		name, err := locale.For(lang).T("language.name")
		if err != nil {
			return nil, err
		}
		data.Languages = append(data.Languages, language{lang, name})
	}
	h := &handler{pages: map[string]map[string][]byte{}, notFound: map[string][]byte{}, assets: make(map[string]asset)}
	for _, lang := range locale.Languages() {
		if err := h.renderPages(lang, data); err != nil {
			return nil, err
		}
	}
	err := fs.WalkDir(content, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		contentType, ok := assetTypes[path.Ext(name)]
		if !ok {
			return fmt.Errorf("web: %s: no content type for this kind of file", name)
		}
		body, err := content.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h.assets["/"+name] = asset{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// renderPages renders every page in lang.
func (h *handler) renderPages(lang string, data pageData) error {
	p := locale.For(lang)
	data.Messages = p.Raw("js.")
	h.pages[lang] = make(map[string][]byte, len(routes))
	for route, name := range routes {
		page, err := render(p, name, data)
		if err != nil {
			return err
		}
		h.pages[lang][route] = page
	}
	var err error
	h.notFound[lang], err = render(p, notFoundPage, data)
	return err
}

// render executes one page of pages/ with the shared partials, in the language of p.
func render(p *locale.Printer, name string, data pageData) ([]byte, error) {
	tmpl, err := template.New(name).Funcs(pageFuncs(p)).ParseFS(content, "pages/_partials.tmpl", "pages/"+name)
	if err != nil {
		return nil, fmt.Errorf("web: parse %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("web: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	header := w.Header()
	header.Set("X-Content-Type-Options", "nosniff")
	header.Set("Content-Security-Policy", contentSecurityPolicy)
	header.Set("X-Frame-Options", "DENY")
	// A token page may carry its token in the address until its script removes it.
	if noReferrer[r.URL.Path] {
		header.Set("Referrer-Policy", "no-referrer")
	} else {
		header.Set("Referrer-Policy", "same-origin")
	}

	lang := locale.Match(r.Header.Get("Accept-Language"))
	page, isPage := h.pages[lang][r.URL.Path]
	file, isAsset := h.assets[r.URL.Path]
	if !isAsset {
		header.Set("Vary", "Accept-Language")
		header.Set("Content-Language", lang)
	}
	if !isPage && !isAsset {
		header.Set("Content-Type", "text/html; charset=utf-8")
		header.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		if r.Method != http.MethodHead {
			_, _ = w.Write(h.notFound[lang])
		}
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		header.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if isPage {
		header.Set("Content-Type", "text/html; charset=utf-8")
		header.Set("Cache-Control", "no-store")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(page))
		return
	}
	// Asset URLs carry no version, so browsers revalidate every time; the ETag makes that a 304.
	header.Set("Content-Type", file.contentType)
	header.Set("Cache-Control", "no-cache")
	header.Set("ETag", file.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(file.body))
}
