package graph

import "github.com/vektah/gqlparser/v2/ast"

// secretArguments name the arguments and input fields that carry a secret token. An operation
// that sends one is refused over GET, whose URL ends up in logs, history and Referer headers.
var secretArguments = map[string]bool{"token": true, "refreshToken": true, "deviceToken": true}

// carriesSecret reports whether any field of set, fragments included, takes a secret argument
// directly or as a field of an input object.
func carriesSecret(set ast.SelectionSet) bool {
	return walkSecret(set, map[*ast.FragmentDefinition]bool{})
}

func walkSecret(set ast.SelectionSet, seen map[*ast.FragmentDefinition]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if secretArgs(s) || walkSecret(s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if walkSecret(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if d := s.Definition; d != nil && !seen[d] { // a cycle is invalid, but still must not loop
				seen[d] = true
				if walkSecret(d.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}

func secretArgs(f *ast.Field) bool {
	if f.Definition != nil {
		for _, a := range f.Definition.Arguments {
			if secretArguments[a.Name] {
				return true
			}
		}
	}
	for _, a := range f.Arguments {
		if secretArguments[a.Name] {
			return true
		}
		if a.Value == nil || a.Value.Definition == nil {
			continue
		}
		for _, in := range a.Value.Definition.Fields {
			if secretArguments[in.Name] {
				return true
			}
		}
	}
	return false
}
