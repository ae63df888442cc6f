package emailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"unicode"
)

// Parsed is a message decoded as MIME.
type Parsed struct {
	Header      mail.Header
	Subject, To string   // with RFC 2047 encoded words decoded
	ContentType string   // media type of the whole message, e.g. "multipart/alternative"
	PartTypes   []string // media types of the leaf parts, in order
	Text, HTML  string   // first text/plain and text/html parts, transfer encoding undone
}

// Parse decodes a raw message, walking nested multiparts and undoing the
// quoted-printable and base64 transfer encodings.
func Parse(data []byte) (*Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("emailtest: read message: %w", err)
	}
	var dec mime.WordDecoder
	p := &Parsed{Header: msg.Header}
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("emailtest: decode subject: %w", err)
	}
	if p.To, err = dec.DecodeHeader(msg.Header.Get("To")); err != nil {
		return nil, fmt.Errorf("emailtest: decode To: %w", err)
	}
	mediaType, params, err := mediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	p.ContentType = mediaType
	if err := p.walk(mediaType, params, msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Parsed) walk(mt string, params map[string]string, encoding string, body io.Reader) error {
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// Raw parts, so both transfer encodings are undone in one place.
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("emailtest: read %s part: %w", mt, err)
			}
			partType, partParams, err := mediaType(part.Header.Get("Content-Type"))
			if err != nil {
				return err
			}
			if err := p.walk(partType, partParams, part.Header.Get("Content-Transfer-Encoding"), part); err != nil {
				return err
			}
		}
	}
	content, err := io.ReadAll(decode(encoding, body))
	if err != nil {
		return fmt.Errorf("emailtest: decode %s part: %w", mt, err)
	}
	p.PartTypes = append(p.PartTypes, mt)
	switch {
	case mt == "text/plain" && p.Text == "":
		p.Text = string(content)
	case mt == "text/html" && p.HTML == "":
		p.HTML = string(content)
	}
	return nil
}

func mediaType(contentType string) (string, map[string]string, error) {
	if contentType == "" {
		return "text/plain", nil, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", nil, fmt.Errorf("emailtest: content type %q: %w", contentType, err)
	}
	return mt, params, nil
}

func decode(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}

// FindLink returns the first URL in body that starts with prefix. The URL ends at
// white space, a quote or an angle bracket; HTML entities in it are decoded.
func FindLink(body, prefix string) (string, bool) {
	i := strings.Index(body, prefix)
	if i < 0 {
		return "", false
	}
	link := body[i:]
	if end := strings.IndexFunc(link, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`"'<>`, r)
	}); end >= 0 {
		link = link[:end]
	}
	return html.UnescapeString(link), true
}

// ExtractLink is FindLink that fails the test when body has no such link.
func ExtractLink(tb testing.TB, body, prefix string) string {
	tb.Helper()
	link, ok := FindLink(body, prefix)
	if !ok {
		tb.Fatalf("emailtest: no link starting with %q in:\n%s", prefix, body)
	}
	return link
}
