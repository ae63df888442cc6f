package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// reasonPasswordOperations is the extensions.reason of a request with several password fields.
const reasonPasswordOperations = "ONE_PASSWORD_OPERATION"

// passwordFields are the root fields that check or hash a password. One request may hold one of
// them: aliases would otherwise put a hundred guesses, or a hundred argon2id runs, in one request.
var passwordFields = map[string]bool{
	"login":          true,
	"register":       true,
	"signUp":         true,
	"resetPassword":  true,
	"changePassword": true,
	"deleteAccount":  true,
	"changeEmail":    true,
}

// onePasswordOperation refuses, before anything runs, an operation with more than one field
// that checks or hashes a password.
type onePasswordOperation struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = onePasswordOperation{}

func (onePasswordOperation) ExtensionName() string                   { return "OnePasswordOperation" }
func (onePasswordOperation) Validate(graphql.ExecutableSchema) error { return nil }
func (onePasswordOperation) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	// Every password field is a mutation: queries, the hot path, skip the walk.
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return nil
	}
	if countPasswordFields(oc.Operation.SelectionSet, oc.Doc.Fragments) > 1 {
		return refusal(reasonPasswordOperations, "Send one password operation per request")
	}
	return nil
}

// countPasswordFields counts password fields among a root selection set's fields, through
// fragments, each fragment once (a second spread of it selects the same fields again).
func countPasswordFields(set ast.SelectionSet, fragments ast.FragmentDefinitionList) int {
	n := 0
	anyField(set, fragments, false, func(f *ast.Field) bool {
		if passwordFields[f.Name] {
			n++
		}
		return false
	})
	return n
}
