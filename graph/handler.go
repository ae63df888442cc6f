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
	DepthLimit      int // default 15: deep enough for GraphiQL's introspection query
	Logger          *slog.Logger
}

// NewHandler returns the /graphql endpoint.
func NewHandler(accounts *account.Service, opts Options) http.Handler {
	if opts.ComplexityLimit <= 0 {
		opts.ComplexityLimit = 300
	}
	if opts.DepthLimit <= 0 {
		opts.DepthLimit = 15
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{Accounts: accounts}}))
	srv.AddTransport(httpTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.FixedComplexityLimit(opts.ComplexityLimit))
	srv.Use(depthLimit{max: opts.DepthLimit})
	srv.SetErrorPresenter(errorPresenter(log))
	srv.SetRecoverFunc(recoverFunc(log))
	srv.AroundOperations(logOperation(log))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		srv.ServeHTTP(w, bearerToken(r))
	})
}

// logOperation writes one line per operation: name, duration, result code and request id,
// never the variables (they hold passwords and tokens).
func logOperation(log *slog.Logger) graphql.OperationMiddleware {
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
			log.InfoContext(ctx, "graphql", "operation", operationName(oc), "code", code,
				"duration_ms", float64(time.Since(start).Microseconds())/1000, "request_id", RequestID(ctx))
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
