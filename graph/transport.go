package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MaxBodyBytes is the largest request body /graphql reads; a larger one is answered 413.
const MaxBodyBytes = 1 << 20

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves GraphQL over HTTP as its specification describes: JSON POST bodies, GET
// for queries only, one operation per request (no batching), and the response media type the
// client accepts. It is strict about what it reads so that a browser form cannot post to it.
type httpTransport struct{ log *slog.Logger }

// Supports takes every request: Do alone decides which methods are served, and refuses the
// others with 405 rather than gqlgen's "transport not supported".
func (httpTransport) Supports(*http.Request) bool { return true }

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		t.refuse(w, r, http.StatusMethodNotAllowed, "Use GET for queries or POST")
		return
	}
	media := responseMediaType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")

	start := graphql.Now()
	var params *graphql.RawParams
	var status int
	var msg string
	if r.Method == http.MethodGet {
		params, status, msg = paramsFromQuery(r.URL.RawQuery)
	} else {
		params, status, msg = paramsFromBody(w, r)
	}
	if params == nil {
		t.refuse(w, r, status, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if r.Method == http.MethodGet && opCtx != nil && opCtx.Operation != nil && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		t.refuse(w, r, http.StatusMethodNotAllowed, "GET runs queries only; send mutations with POST")
		return
	}
	if r.Method == http.MethodGet && opCtx != nil && opCtx.Operation != nil && carriesSecret(opCtx.Operation.SelectionSet, opCtx.Doc.Fragments) {
		w.Header().Set("Allow", http.MethodPost)
		t.refuse(w, r, http.StatusMethodNotAllowed, "Send operations that carry a token with POST, so that it stays out of URLs")
		return
	}
	if errs != nil {
		if media == mediaGraphQLResponse {
			w.WriteHeader(http.StatusBadRequest)
		}
		t.write(ctx, w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	t.respond(ctx, w, media, responses(ctx))
}

// refuse answers a request that is refused before any GraphQL runs: a GraphQL error response
// with status, in the media type the client accepts.
func (t httpTransport) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", responseMediaType(r.Header.Get("Accept"))+"; charset=utf-8")
	w.WriteHeader(status)
	err := toGraphQLError(r.Context(), t.log, &badRequest{message: msg})
	t.write(r.Context(), w, &graphql.Response{Errors: gqlerror.List{err}})
}

// responseMediaType picks application/graphql-response+json when the client asks for it before
// application/json, and application/json otherwise (including for clients that send no Accept).
func responseMediaType(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		media, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch media {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON, "application/*", "*/*":
			return mediaJSON
		}
	}
	return mediaJSON
}

type requestBody struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

func paramsFromBody(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, int, string) {
	media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || media != mediaJSON {
		return nil, http.StatusUnsupportedMediaType, "Content-Type must be application/json"
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, http.StatusRequestEntityTooLarge, "Request body is larger than 1 MiB"
	}
	if err != nil {
		return nil, http.StatusBadRequest, "The request body could not be read"
	}
	if !wellFormedText(body) {
		return nil, http.StatusBadRequest, "The request body must be UTF-8 text"
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return nil, http.StatusBadRequest, "Batched requests are not supported; send one operation per request"
	}
	var req requestBody
	// Numbers decode as float64, not json.Number: gqlparser takes a json.Number, whose kind is
	// string, for a String, so 12345 would pass as "12345" where GraphQL asks for an error.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, http.StatusBadRequest, "The request body must be a JSON object with query, variables and operationName"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, http.StatusBadRequest, "The request body must hold exactly one JSON object"
	}
	return rawParams(req)
}

func paramsFromQuery(rawQuery string) (*graphql.RawParams, int, string) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, http.StatusBadRequest, "The query string could not be parsed"
	}
	req := requestBody{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if !utf8.ValidString(req.Query) || !utf8.ValidString(req.OperationName) {
		return nil, http.StatusBadRequest, "The query string must be UTF-8 text"
	}
	for name, into := range map[string]*map[string]any{"variables": &req.Variables, "extensions": &req.Extensions} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		if !wellFormedText([]byte(v)) {
			return nil, http.StatusBadRequest, "The query string must be UTF-8 text"
		}
		dec := json.NewDecoder(strings.NewReader(v))
		if err := dec.Decode(into); err != nil {
			return nil, http.StatusBadRequest, "The " + name + " parameter must be a JSON object"
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, http.StatusBadRequest, "The " + name + " parameter must be a JSON object"
		}
	}
	return rawParams(req)
}

// wellFormedText reports whether b is UTF-8 in which no JSON \u escape names half a surrogate
// pair: encoding/json would silently turn either into U+FFFD, and the rules would then check
// and store something other than what the client sent.
func wellFormedText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		i++ // b[i] is the escaped character; an escaped backslash is skipped whole
		if b[i] != 'u' {
			continue
		}
		r, ok := hex4(b, i+1)
		if !ok {
			continue // the JSON decoder refuses it
		}
		i += 4
		if r >= 0xDC00 && r <= 0xDFFF {
			return false
		}
		if r >= 0xD800 && r <= 0xDBFF {
			if i+2 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
				return false
			}
			if r2, ok := hex4(b, i+3); !ok || r2 < 0xDC00 || r2 > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

// hex4 reads the four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	return rune(n), err == nil
}

func rawParams(req requestBody) (*graphql.RawParams, int, string) {
	if strings.TrimSpace(req.Query) == "" {
		return nil, http.StatusBadRequest, "A query is required"
	}
	return &graphql.RawParams{
		Query:         req.Query,
		OperationName: req.OperationName,
		Variables:     req.Variables,
		Extensions:    req.Extensions,
	}, 0, ""
}

// write sends resp; should it not encode, the client gets an internal error instead.
func (t httpTransport) write(ctx context.Context, w io.Writer, resp *graphql.Response) {
	b, err := encodeResponse(resp)
	if err != nil {
		// A lone internal error always encodes.
		b, _ = encodeResponse(&graphql.Response{Errors: gqlerror.List{
			toGraphQLError(ctx, t.log, fmt.Errorf("encode response: %w", err)),
		}})
	}
	_, _ = w.Write(b)
}

func encodeResponse(resp *graphql.Response) ([]byte, error) {
	if resp.Data == nil {
		// A request refused before execution has no data entry at all, as the spec asks.
		return json.Marshal(struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions})
	}
	return json.Marshal(resp)
}
