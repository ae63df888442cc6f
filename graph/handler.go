package graph

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"latchkey/account"
)

// Options configure the GraphQL handler.
type Options struct {
	Introspection   bool
	ComplexityLimit int // default 300
	DepthLimit      int // default 15: as deep as graphql-js's full introspection query goes
	FieldLimit      int // default 500 fields in a document, as written and with fragments expanded
	Logger          *slog.Logger
	// Observe, when set, is told of every operation: its root field, result code and duration.
	Observe func(operation, code string, took time.Duration)
}

// NewHandler returns the /graphql endpoint.
func NewHandler(accounts *account.Service, opts Options) http.Handler {
	if opts.ComplexityLimit <= 0 {
		opts.ComplexityLimit = 300
	}
	if opts.DepthLimit <= 0 {
		opts.DepthLimit = 15
	}
	if opts.FieldLimit <= 0 {
		opts.FieldLimit = 500
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{Accounts: accounts}}))
	srv.AddTransport(httpTransport{log: log})
	cache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(maxTokens)
	srv.SetValidationRulesFn(validationRules)
	// Suggestions ("Did you mean …?") would spell out the schema that turning introspection off hides.
	srv.SetDisableSuggestion(!opts.Introspection)
	srv.Use(documentSize{maxFields: opts.FieldLimit, cache: cache})
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(introspectionOff{})
	}
	// The shape check walks fragments once each; the complexity walk after it does not.
	srv.Use(operationShape{maxDepth: opts.DepthLimit, maxFields: opts.FieldLimit})
	srv.Use(extension.FixedComplexityLimit(opts.ComplexityLimit))
	srv.Use(onePasswordOperation{})
	srv.AroundResponses(eachField(log))
	srv.SetErrorPresenter(errorPresenter(log))
	srv.SetRecoverFunc(recoverFunc)
	srv.AroundOperations(logOperation(log, opts.Observe))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Responses carry access tokens and account data: no cache may keep them.
		w.Header().Set("Cache-Control", "no-store")
		srv.ServeHTTP(w, bearerToken(r))
	})
}

// logOperation writes one line per operation: name, duration, result code and request id,
// never the variables (they hold passwords and tokens).
func logOperation(log *slog.Logger, observe func(string, string, time.Duration)) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		start := time.Now()
		oc := graphql.GetOperationContext(ctx)
		respond := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := respond(ctx)
			code := "OK"
			if resp != nil && len(resp.Errors) > 0 {
				code, _ = resp.Errors[0].Extensions["code"].(string)
			}
			took := time.Since(start)
			log.InfoContext(ctx, "graphql", "operation", operationName(oc), "code", code,
				"duration_ms", float64(took.Microseconds())/1000, "request_id", RequestID(ctx))
			if observe != nil {
				observe(rootField(oc), code, took)
			}
			return resp
		}
	}
}

func operationName(oc *graphql.OperationContext) string {
	if oc.Operation == nil {
		return ""
	}
	if oc.OperationName != "" {
		return oc.OperationName
	}
	if len(oc.Operation.SelectionSet) > 0 {
		if f, ok := oc.Operation.SelectionSet[0].(*ast.Field); ok {
			return string(oc.Operation.Operation) + " " + f.Name
		}
	}
	return string(oc.Operation.Operation)
}

// rootField names an operation by its first root field, for metrics: unlike the operation name a
// client chooses, the set of root fields is small and fixed.
func rootField(oc *graphql.OperationContext) string {
	if oc.Operation != nil && len(oc.Operation.SelectionSet) > 0 {
		if f, ok := oc.Operation.SelectionSet[0].(*ast.Field); ok {
			return f.Name
		}
	}
	return "unknown"
}
