package graph

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"latchkey/account"
)

// respond writes the response of an operation that was dispatched. A response with a
// RATE_LIMITED error carries Retry-After, the longest wait among them, for HTTP tooling. A client
// that accepts application/graphql-response+json learns from the status too: an operation whose
// every root field was refused by a limit changed nothing (the rules check their limits before
// they write), so it is answered as a request refused before execution: 429, without data.
func (t httpTransport) respond(ctx context.Context, w http.ResponseWriter, media string, resp *graphql.Response) {
	if resp == nil {
		// gqlgen answers nothing when the request's context ended before execution.
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.log.DebugContext(ctx, "client went away before the operation ran", "request_id", RequestID(ctx))
			return
		}
		resp = &graphql.Response{Errors: gqlerror.List{toGraphQLError(ctx, t.log, ctx.Err())}}
		if media == mediaGraphQLResponse {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		t.write(ctx, w, resp)
		return
	}
	wait, refused := rateLimited(resp)
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
	}
	if refused && media == mediaGraphQLResponse {
		resp.Data = nil
		w.WriteHeader(http.StatusTooManyRequests)
	}
	t.write(ctx, w, resp)
}

// rateLimited returns the longest retryAfter of resp's RATE_LIMITED errors (0 without any), and
// whether they are all its errors and it has no data but null.
func rateLimited(resp *graphql.Response) (wait int, refused bool) {
	refused = len(resp.Errors) > 0 && (resp.Data == nil || string(resp.Data) == "null")
	for _, e := range resp.Errors {
		if e.Extensions["code"] != account.CodeRateLimited {
			refused = false
			continue
		}
		if secs, ok := e.Extensions["retryAfter"].(int); ok && secs > wait {
			wait = secs
		}
	}
	return wait, refused && wait > 0
}
