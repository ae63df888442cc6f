package graph

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// The HTTP transport answers each request with one response and cannot send the later parts
// that @defer asks for, so the @defer of gqlgen's prelude is not served: introspection does not
// list it, and a document that uses it fails validation rather than losing its deferred data.
func init() { delete(parsedSchema.Directives, "defer") }

// PrintSchema returns the whole schema the server serves, in SDL, as committed in schema.graphql:
// printed as graphql-js's printSchema prints what introspection returns (types and directives
// by name, fields in their order), so that the file and what tools fetch from the server match
// byte for byte.
func PrintSchema() []byte {
	s := NewExecutableSchema(Config{}).Schema()
	var parts []string
	for _, d := range sortedValues(s.Directives) {
		if !specifiedDirectives[d.Name] {
			parts = append(parts, printDirective(d))
		}
	}
	for _, t := range sortedValues(s.Types) {
		if !specifiedScalars[t.Name] && !strings.HasPrefix(t.Name, "__") {
			parts = append(parts, printType(t))
		}
	}
	return []byte(strings.Join(parts, "\n\n") + "\n")
}

var (
	specifiedDirectives = map[string]bool{"include": true, "skip": true, "deprecated": true, "specifiedBy": true, "oneOf": true}
	specifiedScalars    = map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
)

func sortedValues[T any](m map[string]T) []T {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]T, len(names))
	for i, name := range names {
		out[i] = m[name]
	}
	return out
}

func printType(t *ast.Definition) string {
	head := description(t.Description, "", true)
	switch t.Kind {
	case ast.Scalar:
		return head + "scalar " + t.Name
	case ast.Union:
		return head + "union " + t.Name + " = " + strings.Join(t.Types, " | ")
	case ast.Enum:
		var items []string
		for i, v := range t.EnumValues {
			items = append(items, description(v.Description, "  ", i == 0)+"  "+v.Name+deprecated(v.Directives))
		}
		return head + "enum " + t.Name + block(items)
	case ast.InputObject:
		var items []string
		for i, f := range t.Fields {
			items = append(items, description(f.Description, "  ", i == 0)+"  "+inputValue(f.Name, f.Type, f.DefaultValue, f.Directives))
		}
		return head + "input " + t.Name + block(items)
	}
	keyword := "type "
	if t.Kind == ast.Interface {
		keyword = "interface "
	}
	if len(t.Interfaces) > 0 {
		keyword += t.Name + " implements " + strings.Join(t.Interfaces, " & ")
	} else {
		keyword += t.Name
	}
	var items []string
	for _, f := range t.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		items = append(items, description(f.Description, "  ", len(items) == 0)+"  "+f.Name+args(f.Arguments, "  ")+": "+f.Type.String()+deprecated(f.Directives))
	}
	return head + keyword + block(items)
}

func printDirective(d *ast.DirectiveDefinition) string {
	locs := make([]string, len(d.Locations))
	for i, l := range d.Locations {
		locs[i] = string(l)
	}
	repeatable := ""
	if d.IsRepeatable {
		repeatable = " repeatable"
	}
	return description(d.Description, "", true) + "directive @" + d.Name + args(d.Arguments, "") + repeatable + " on " + strings.Join(locs, " | ")
}

func block(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return " {\n" + strings.Join(items, "\n") + "\n}"
}

// args prints arguments on one line, or one per line when any has a description.
func args(list ast.ArgumentDefinitionList, indent string) string {
	if len(list) == 0 {
		return ""
	}
	described := slices.ContainsFunc(list, func(a *ast.ArgumentDefinition) bool { return a.Description != "" })
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = inputValue(a.Name, a.Type, a.DefaultValue, a.Directives)
		if described {
			parts[i] = description(a.Description, "  "+indent, i == 0) + "  " + indent + parts[i]
		}
	}
	if !described {
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return "(\n" + strings.Join(parts, "\n") + "\n" + indent + ")"
}

func inputValue(name string, typ *ast.Type, def *ast.Value, dirs ast.DirectiveList) string {
	s := name + ": " + typ.String()
	if def != nil {
		s += " = " + value(def)
	}
	return s + deprecated(dirs)
}

// value prints a default value as graphql-js prints a literal.
func value(v *ast.Value) string {
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return quote(v.Raw)
	case ast.ListValue:
		items := make([]string, len(v.Children))
		for i, c := range v.Children {
			items[i] = value(c.Value)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case ast.ObjectValue:
		items := make([]string, len(v.Children))
		for i, c := range v.Children {
			items[i] = c.Name + ": " + value(c.Value)
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	return v.Raw
}

func deprecated(dirs ast.DirectiveList) string {
	d := dirs.ForName("deprecated")
	if d == nil {
		return ""
	}
	if r := d.Arguments.ForName("reason"); r != nil && r.Value != nil && r.Value.Raw != "No longer supported" {
		return " @deprecated(reason: " + quote(r.Value.Raw) + ")"
	}
	return " @deprecated"
}
