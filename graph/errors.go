package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"latchkey/account"
)

// badRequest is a problem with the request itself that our transport or limits found. Its
// message is about the client's own request, so it is shown; reason, when set, says which limit.
type badRequest struct{ reason, message string }

func (e *badRequest) Error() string { return e.message }

// refusal is a badRequest in the form gqlgen's extensions return.
func refusal(reason, format string, args ...any) *gqlerror.Error {
	return gqlerror.Wrap(&badRequest{reason: reason, message: fmt.Sprintf(format, args...)})
}

// gqlgenProblems are the codes gqlgen and gqlparser put on errors about the request document
// or its variables; the client sees them as the reason of a BAD_USER_INPUT.
var gqlgenProblems = map[string]bool{
	errcode.ParseFailed:      true,
	errcode.ValidationFailed: true,
	codeComplexityExceeded:   true,
}

// toGraphQLError is the one way an error reaches a client: the presenter, the recover
// function, the transport and its fallback all call it. An internal error is logged with the
// request id and its cause; the client sees only the contract's code and message.
func toGraphQLError(ctx context.Context, log *slog.Logger, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	code, message, ext := classify(err)
	cause := err
	if gqlErr.Err != nil {
		cause = gqlErr.Err // without the path gqlgen put in front; the line has its own
	}
	switch code {
	case account.CodeInternal:
		log.ErrorContext(ctx, "internal error", "request_id", RequestID(ctx), "path", gqlErr.Path.String(), "error", cause)
	case account.CodeUnavailable:
		log.WarnContext(ctx, "unavailable", "request_id", RequestID(ctx), "path", gqlErr.Path.String(), "error", cause)
	}
	gqlErr.Message, gqlErr.Extensions = message, ext
	return gqlErr
}

// classify gives the contract's code, message and extensions for err: a problem with the
// request is BAD_USER_INPUT with its reason, an *account.Error is itself, a dependency that did
// not answer in time is UNAVAILABLE with retryAfter, anything else is internal.
func classify(err error) (code, message string, ext map[string]any) {
	var bad *badRequest
	if errors.As(err, &bad) {
		ext = map[string]any{"code": account.CodeBadUserInput}
		if bad.reason != "" {
			ext["reason"] = bad.reason
		}
		return account.CodeBadUserInput, bad.message, ext
	}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		reason, _ := gqlErr.Extensions["code"].(string)
		if gqlErr.Rule != "" || gqlgenProblems[reason] {
			if reason == "" {
				reason = errcode.ValidationFailed
			}
			return account.CodeBadUserInput, requestMessage(gqlErr), map[string]any{"code": account.CodeBadUserInput, "reason": reason}
		}
	}
	code, message = account.ErrorCode(err), account.ErrorMessage(err)
	ext = map[string]any{"code": code}
	var appErr *account.Error
	if errors.As(err, &appErr) {
		if appErr.Field != "" {
			ext["field"] = appErr.Field
		}
		if appErr.Code == account.CodeRateLimited {
			ext["retryAfter"] = appErr.RetryAfter
		}
	}
	if code == account.CodeUnavailable {
		ext["retryAfter"] = account.UnavailableRetryAfter
	}
	return code, message, ext
}

// eachField answers the account.FieldErrors a resolver returned, presented as one error, with
// one GraphQL error per field, in their order, at the resolver's path and place in the document,
// so that a client sees every field at fault. It looks at each response once, not at each field.
func eachField(log *slog.Logger) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil || len(resp.Errors) == 0 {
			return resp
		}
		var out gqlerror.List // only when there is something to split
		for i, e := range resp.Errors {
			var fields account.FieldErrors
			if !errors.As(e, &fields) {
				if out != nil {
					out = append(out, e)
				}
				continue
			}
			if out == nil {
				out = append(gqlerror.List{}, resp.Errors[:i]...)
			}
			for _, f := range fields {
				one := toGraphQLError(ctx, log, gqlerror.WrapPath(e.Path, f))
				one.Locations = e.Locations
				out = append(out, one)
			}
		}
		if out != nil {
			resp.Errors = out
		}
		return resp
	}
}

// errorPresenter hands gqlgen's errors to toGraphQLError.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		return toGraphQLError(ctx, log, err)
	}
}

// recoverFunc turns a panic into an internal error whose cause, logged by toGraphQLError,
// carries the stack.
func recoverFunc(ctx context.Context, v any) error {
	return fmt.Errorf("panic: %v\n%s", v, debug.Stack())
}
