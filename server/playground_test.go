package server

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"latchkey/graph"
)

func TestPlaygroundExampleIsValidAndCoversEveryOperation(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	doc, errs := gqlparser.LoadQueryWithRules(schema, exampleDocument, nil)
	if errs != nil {
		t.Fatalf("example document does not validate: %v", errs)
	}
	used := map[string]bool{}
	for _, op := range doc.Operations {
		for _, sel := range op.SelectionSet {
			if f, ok := sel.(*ast.Field); ok {
				used[f.Name] = true
			}
		}
	}
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range root.Fields {
			if !strings.HasPrefix(f.Name, "__") && !used[f.Name] {
				t.Errorf("the example does not show %s.%s", root.Name, f.Name)
			}
		}
	}
}
