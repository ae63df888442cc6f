package graph

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// gqlgen and gqlparser word some problems with a request for Go programmers ("cannot use
// float64 as String", "operation  not found"). requestMessage rewrites those for the people who
// write clients, in GraphQL's terms; every other message (syntax and validation errors, already
// worded as graphql-js words them) is kept.
var (
	reCannotUse    = regexp.MustCompile(`^cannot use (?:value )?(\S+) as (\w+)$`)
	reMustBeObject = regexp.MustCompile(`^must be a (\w+), not a (\w+)$`)
	reNotEnumValue = regexp.MustCompile(`^(.*) is not a valid (\w+)$`)
	reBigID        = regexp.MustCompile(`^cannot use \S+ as ID: integers beyond`)
	reNoOperation  = regexp.MustCompile(`^operation (.*) not found$`)
)

func requestMessage(err *gqlerror.Error) string {
	msg := err.Message
	if m := reNoOperation.FindStringSubmatch(msg); m != nil {
		if m[1] == "" {
			return "The document holds more than one operation: name the one to run in operationName"
		}
		return fmt.Sprintf("The document has no operation named %q", m[1])
	}
	if msg == "no operation provided" {
		return "The document holds no operation: send a query or a mutation"
	}
	name, nested, ok := variableName(err.Path)
	if !ok {
		return msg
	}
	switch m := reCannotUse.FindStringSubmatch(msg); {
	case reBigID.MatchString(msg):
		return fmt.Sprintf("Variable %s must be an ID; a number this large may have lost digits, send it as a string", name)
	case m != nil && m[2] == "ID":
		return fmt.Sprintf("Variable %s must be an ID: a string or a whole number", name)
	case m != nil:
		return fmt.Sprintf("Variable %s must be %s %s, not %s", name, article(m[2]), m[2], jsonKind(m[1]))
	}
	if m := reMustBeObject.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("Variable %s must be %s %s object, not %s", name, article(m[1]), m[1], jsonKind(m[2]))
	}
	if m := reNotEnumValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("Variable %s must be one of the values of %s, not %q", name, m[2], m[1])
	}
	parent, field := splitLast(name)
	switch msg {
	case "must be defined":
		if nested {
			return fmt.Sprintf("Variable %s lacks the required field %q", parent, field)
		}
		return fmt.Sprintf("Variable %s is required", name)
	case "cannot be null":
		return fmt.Sprintf("Variable %s must not be null", name)
	case "unknown field":
		return fmt.Sprintf("Variable %s has no field %q", parent, field)
	case "enums must be ints or strings":
		return fmt.Sprintf("Variable %s must be an enum value, written as a string", name)
	}
	return msg
}

// variableName spells the path of a variable error as a client wrote it: $input.email,
// $ids[2]; nested tells whether it is inside the variable rather than the variable itself.
func variableName(path ast.Path) (name string, nested, ok bool) {
	if len(path) < 2 || path[0] != ast.PathName("variable") {
		return "", false, false
	}
	var b strings.Builder
	b.WriteString("$")
	for i, p := range path[1:] {
		switch p := p.(type) {
		case ast.PathName:
			if i > 0 {
				b.WriteString(".")
			}
			b.WriteString(string(p))
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(p))
		}
	}
	return b.String(), len(path) > 2, true
}

// splitLast parts $input.email into $input and email.
func splitLast(name string) (parent, field string) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, name
	}
	return name[:i], name[i+1:]
}

// jsonKind names the JSON type of a value by the Go kind gqlparser saw.
func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "float"), strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"):
		return "a number"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "a boolean"
	case goKind == "map":
		return "an object"
	case goKind == "slice":
		return "a list"
	}
	if strings.Trim(goKind, "0123456789.-e+") == "" {
		return "the number " + goKind
	}
	return "a value of another type"
}

func article(typeName string) string {
	if strings.ContainsRune("AEIOU", rune(typeName[0])) {
		return "an"
	}
	return "a"
}
