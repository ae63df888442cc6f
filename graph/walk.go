package graph

import "github.com/vektah/gqlparser/v2/ast"

// anyField reports whether found holds for a field of set, looking through inline fragments and
// fragment spreads (each fragment once, so that neither a cycle nor a fragment spread many times
// costs more than the document's length) and, when deep, into the fields' own selections.
func anyField(set ast.SelectionSet, fragments ast.FragmentDefinitionList, deep bool, found func(*ast.Field) bool) bool {
	var seen map[string]bool // made at the first spread: most documents have none
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if found(s) || deep && walk(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if walk(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				if seen == nil {
					seen = map[string]bool{}
				}
				seen[s.Name] = true
				if f := fragments.ForName(s.Name); f != nil && walk(f.SelectionSet) {
					return true
				}
			}
		}
		return false
	}
	return walk(set)
}
