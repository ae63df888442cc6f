package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

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
type httpTransport struct{}

func (httpTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodPost
}

func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMediaType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	fail := func(status int, msg string) {
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{requestError(msg)}))
	}

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
		fail(status, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		if media == mediaGraphQLResponse {
			w.WriteHeader(http.StatusBadRequest)
		}
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		fail(http.StatusMethodNotAllowed, "GET runs queries only; send mutations with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeResponse(w, responses(ctx))
}

func requestError(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": codeBadRequest}}
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
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return nil, http.StatusBadRequest, "Batched requests are not supported; send one operation per request"
	}
	var req requestBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
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
	for name, into := range map[string]*map[string]any{"variables": &req.Variables, "extensions": &req.Extensions} {
		if v := q.Get(name); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(into); err != nil {
				return nil, http.StatusBadRequest, "The " + name + " parameter must be a JSON object"
			}
		}
	}
	return rawParams(req)
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

func writeResponse(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"Internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	_, _ = w.Write(b)
}
