package graph

import "github.com/vektah/gqlparser/v2/ast"

// secretArguments name the arguments and input fields that carry a secret token. An operation
// that sends one is refused over GET, whose URL ends up in logs, history and Referer headers.
var secretArguments = map[string]bool{"token": true, "refreshToken": true, "deviceToken": true}

// carriesSecret reports whether any field of set, fragments included, takes a secret argument
// directly or as a field of an input object.
func carriesSecret(set ast.SelectionSet, fragments ast.FragmentDefinitionList) bool {
	return anyField(set, fragments, true, secretArgs)
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
