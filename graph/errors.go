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

// errorPresenter turns every error into one with a contract code. Internal causes are logged
// with the request id and never shown: the client sees only the contract's message.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var appErr *account.Error
		if errors.As(err, &appErr) {
			present(gqlErr, appErr)
			if appErr.Code == account.CodeInternal {
				log.ErrorContext(ctx, "internal error", "request_id", RequestID(ctx), "path", gqlErr.Path.String(), "error", appErr.Cause)
			}
			return gqlErr
		}
		code, _ := gqlErr.Extensions["code"].(string)
		switch {
		case gqlErr.Rule != "" || requestProblems[code]:
			// Problems with the request document or variables: the message is about the
			// client's own query, so it is safe and useful to show.
			reason := code
			if reason == "" {
				reason = errcode.ValidationFailed
			}
			gqlErr.Extensions = map[string]any{"code": account.CodeBadUserInput, "reason": reason}
		default:
			log.ErrorContext(ctx, "internal error", "request_id", RequestID(ctx), "path", gqlErr.Path.String(), "error", err)
			gqlErr.Message = "Internal server error"
			gqlErr.Extensions = map[string]any{"code": account.CodeInternal}
		}
		return gqlErr
	}
}

// requestProblems are the codes gqlgen, gqlparser and our limits put on errors about the
// request document or its variables.
var requestProblems = map[string]bool{
	errcode.ParseFailed:      true,
	errcode.ValidationFailed: true,
	codeComplexityExceeded:   true,
	codeDepthLimitExceeded:   true,
	codeDocumentTooLarge:     true,
	codeIntrospectionOff:     true,
	codePasswordOperations:   true,
}

func present(gqlErr *gqlerror.Error, e *account.Error) {
	gqlErr.Message = e.Message
	gqlErr.Extensions = map[string]any{"code": e.Code}
	if e.Field != "" {
		gqlErr.Extensions["field"] = e.Field
	}
	if e.Code == account.CodeRateLimited {
		gqlErr.Extensions["retryAfter"] = e.RetryAfter
	}
	if e.Code == account.CodeInternal {
		gqlErr.Message = "Internal server error"
	}
}

// recoverFunc logs a panic with its stack and request id; the client gets INTERNAL_SERVER_ERROR.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", RequestID(ctx), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return &account.Error{Code: account.CodeInternal, Message: "Internal server error", Cause: fmt.Errorf("panic: %v", v)}
	}
}
