package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Reasons a request is refused by the limits below: the extensions.reason of their BAD_USER_INPUT.
const (
	reasonDocumentTooLarge   = "DOCUMENT_TOO_LARGE"
	reasonDepthLimitExceeded = "DEPTH_LIMIT_EXCEEDED"
	reasonIntrospectionOff   = "INTROSPECTION_DISABLED"
)

// codeComplexityExceeded is the code gqlgen's extension.ComplexityLimit puts on its errors.
const codeComplexityExceeded = "COMPLEXITY_LIMIT_EXCEEDED"

// maxTokens bounds what the parser reads: the API's documents, GraphiQL's introspection query
// and the playground's example are a few hundred tokens each.
const maxTokens = 4000

// maxValidationErrors is the most validation errors one document gets back.
const maxValidationErrors = 20

// documentSize refuses, before validation, a document that writes more than maxFields fields.
// Some standard validation rules compare every pair of fields, so a long flat document would
// otherwise cost time quadratic in its length. Documents already in the query cache passed.
type documentSize struct {
	maxFields int
	cache     graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentSize{}

func (documentSize) ExtensionName() string                   { return "DocumentSize" }
func (documentSize) Validate(graphql.ExecutableSchema) error { return nil }
func (d documentSize) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := d.cache.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, maxTokens)
	if err != nil {
		return nil // gqlgen parses it again with the same limit and reports the error
	}
	n := 0
	for _, op := range doc.Operations {
		n += countFields(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += countFields(f.SelectionSet)
	}
	if n > d.maxFields {
		return refusal(reasonDocumentTooLarge, "The document has more than %d fields", d.maxFields)
	}
	return nil
}

func countFields(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n += 1 + countFields(s.SelectionSet)
		case *ast.InlineFragment:
			n += countFields(s.SelectionSet)
		}
	}
	return n
}

// operationShape refuses an operation nested deeper than maxDepth fields, or that selects more
// than maxFields fields once its fragments are expanded, before any resolver runs. Complexity
// alone misses a narrow but very deep introspection query, and gqlgen's complexity walk expands
// every fragment spread, so it must run after this: n fragments that each spread the next twice
// would cost it 2^n steps.
type operationShape struct{ maxDepth, maxFields int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = operationShape{}

func (operationShape) ExtensionName() string                   { return "OperationShape" }
func (operationShape) Validate(graphql.ExecutableSchema) error { return nil }
func (o operationShape) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := shapeWalker{fragments: oc.Doc.Fragments, memo: map[string]shape{}, cap: o.maxFields + 1}
	s := w.selectionSet(oc.Operation.SelectionSet)
	if s.depth > o.maxDepth {
		return refusal(reasonDepthLimitExceeded, "The operation is nested too deeply (more than %d levels)", o.maxDepth)
	}
	if s.fields > o.maxFields {
		return refusal(reasonDocumentTooLarge, "The operation selects more than %d fields", o.maxFields)
	}
	return nil
}

// shape is what a selection set adds below the field that holds it.
type shape struct{ depth, fields int }

// shapeWalker measures selection sets, each fragment once, so its work is linear in the
// document however often fragments are spread. Field counts saturate at cap.
type shapeWalker struct {
	fragments ast.FragmentDefinitionList
	memo      map[string]shape
	cap       int
}

func (w *shapeWalker) selectionSet(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		var c shape
		switch sel := sel.(type) {
		case *ast.Field:
			c = w.selectionSet(sel.SelectionSet)
			c.depth++
			c.fields++
		case *ast.InlineFragment:
			c = w.selectionSet(sel.SelectionSet)
		case *ast.FragmentSpread:
			c = w.fragment(sel.Name)
		}
		s.depth = max(s.depth, c.depth)
		s.fields = min(s.fields+c.fields, w.cap)
	}
	return s
}

func (w *shapeWalker) fragment(name string) shape {
	if s, ok := w.memo[name]; ok {
		return s
	}
	// Validation refuses fragment cycles; should one get here, it counts as empty, not forever.
	w.memo[name] = shape{}
	var s shape
	if f := w.fragments.ForName(name); f != nil {
		s = w.selectionSet(f.SelectionSet)
	}
	w.memo[name] = s
	return s
}

// introspectionOff refuses, before execution, an operation that asks for __schema or __type
// while introspection is turned off; gqlgen would run it and fail those fields with an error
// that has no code, which would reach the client as an internal error.
type introspectionOff struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = introspectionOff{}

func (introspectionOff) ExtensionName() string                   { return "IntrospectionOff" }
func (introspectionOff) Validate(graphql.ExecutableSchema) error { return nil }
func (introspectionOff) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation != nil && asksSchema(oc.Operation.SelectionSet, oc.Doc.Fragments) {
		return refusal(reasonIntrospectionOff, "Introspection is turned off on this server")
	}
	return nil
}

// asksSchema reports whether a root selection set selects __schema or __type, which exist
// only on the query root.
func asksSchema(set ast.SelectionSet, fragments ast.FragmentDefinitionList) bool {
	return anyField(set, fragments, false, func(f *ast.Field) bool { return f.Name == "__schema" || f.Name == "__type" })
}

// validationRules are gqlparser's standard rules, together reporting at most
// maxValidationErrors errors: a document whose fields conflict pairwise would otherwise get one
// error, each formatted with its source excerpt, for every pair.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	reported := 0
	for name, rule := range r.GetInner() {
		r.ReplaceRule(name, func(observers *core.Events, addError core.AddErrFunc) {
			rule(observers, func(opts ...core.ErrorOption) {
				if reported < maxValidationErrors {
					reported++
					addError(opts...)
				}
			})
		})
	}
	return r
}
