package server

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"time"
)

// playgroundFiles are the page and what it loads: its own script and stylesheet, and GraphiQL
// with React as npmvendor copied them from the npm registry (licences included).
//
//go:embed playground.html playground.js playground.css npm/graphiql npm/react npm/react-dom
var playgroundFiles embed.FS

// playgroundScripts load in this order: React, then ReactDOM, then GraphiQL, then the page.
var playgroundScripts = []string{
	"npm/react/umd/react.production.min.js",
	"npm/react-dom/umd/react-dom.production.min.js",
	"npm/graphiql/graphiql.min.js",
	"playground.js",
}

var playgroundStyles = []string{"npm/graphiql/graphiql.min.css", "playground.css"}

// playgroundCSP trusts this origin only: no inline script or style, no other host. GraphiQL's
// stylesheet embeds its fonts and icons as data: URLs. Its menus add a <style> element (scroll
// lock) whose text depends on the scrollbar's width, so no hash can allow it: it carries the
// response's nonce instead, which playground.js hands GraphiQL (as __webpack_nonce__).
func playgroundCSP(styleNonce string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-" + styleNonce + "'; font-src 'self' data:; " +
		"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}

// nonceSlot is where each response's style nonce goes in the page rendered once.
const nonceSlot = "STYLE-NONCE-SLOT-0000000"

// newStyleNonce returns 144 random bits in base64: as long as nonceSlot.
func newStyleNonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// playgroundPrefix is where the page's files are served from.
const playgroundPrefix = "/playground/"

var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	"":     "text/plain; charset=utf-8", // LICENSE
}

// addPlayground serves GraphiQL at /playground with the example document and header template,
// every file from the binary. Our own page rather than gqlgen's: that one loads a CDN, persists
// headers (bearer tokens) in localStorage and copies them into the URL.
func addPlayground(mux *http.ServeMux, title string) {
	page := renderPlayground(title)
	mux.HandleFunc("GET /playground", func(w http.ResponseWriter, r *http.Request) {
		nonce := newStyleNonce()
		h := w.Header()
		h.Set("Content-Security-Policy", playgroundCSP(nonce))
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(bytes.Replace(page, []byte(nonceSlot), []byte(nonce), 1))
	})
	err := fs.WalkDir(playgroundFiles, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == "playground.html" {
			return err
		}
		body, err := playgroundFiles.ReadFile(name)
		if err != nil {
			return err
		}
		mux.Handle("GET "+playgroundPrefix+name, assetHandler(body, assetTypes[path.Ext(name)]))
		return nil
	})
	if err != nil {
		panic("server: playground files: " + err.Error()) // embedded at build time
	}
}

// renderPlayground renders the page once: it never changes while the process runs.
func renderPlayground(title string) []byte {
	tmpl := template.Must(template.ParseFS(playgroundFiles, "playground.html"))
	var page bytes.Buffer
	err := tmpl.Execute(&page, map[string]any{
		"Title":    title,
		"Prefix":   playgroundPrefix,
		"Scripts":  playgroundScripts,
		"Styles":   playgroundStyles,
		"Document": exampleDocument,
		"Headers":  exampleHeaders,
		"Nonce":    nonceSlot,
	})
	if err != nil {
		panic("server: playground template: " + err.Error()) // a fixed template and fixed data
	}
	return page.Bytes()
}

// assetHandler serves one embedded file. Its URL carries no version, so browsers revalidate
// it every time; the ETag makes that a 304.
func assetHandler(body []byte, contentType string) http.Handler {
	if contentType == "" {
		panic("server: an embedded file of a kind we do not serve") // caught by any test
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}
