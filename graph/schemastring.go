package graph

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// description prints a description as graphql-js's printDescription does: a block string when
// it can be one, else a quoted string, indented, on its own lines; an item that is not the first
// of its block gets a blank line before it.
func description(text, indent string, first bool) string {
	if text == "" {
		return ""
	}
	var s string
	if printableAsBlock(text) {
		s = blockString(text)
	} else {
		s = quote(text)
	}
	prefix := indent
	if indent != "" && !first {
		prefix = "\n" + indent
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+indent) + "\n"
}

// printableAsBlock is graphql-js's isPrintableAsBlockString.
func printableAsBlock(s string) bool {
	emptyLine, indented, commonIndent, seenLine := true, false, true, false
	for _, r := range s {
		switch {
		case r <= 0x08, r == 0x0b, r == 0x0c, r == 0x0e, r == 0x0f, r == '\r':
			return false
		case r == '\n':
			if emptyLine && !seenLine {
				return false
			}
			seenLine, emptyLine, indented = true, true, false
		case r == '\t' || r == ' ':
			indented = indented || emptyLine
		default:
			commonIndent = commonIndent && indented
			emptyLine = false
		}
	}
	return !emptyLine && !(commonIndent && seenLine)
}

// blockString is graphql-js's printBlockString.
func blockString(value string) string {
	escaped := strings.ReplaceAll(value, `"""`, `\"""`)
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(escaped, "\r\n", "\n"), "\r", "\n"), "\n")
	single := len(lines) == 1
	leadingNewline := len(lines) > 1
	for _, l := range lines[1:] {
		leadingNewline = leadingNewline && (l == "" || l[0] == ' ' || l[0] == '\t')
	}
	trailingTriple := strings.HasSuffix(escaped, `\"""`)
	trailingNewline := strings.HasSuffix(value, `"`) && !trailingTriple || strings.HasSuffix(value, `\`)
	multi := !single || len(utf16.Encode([]rune(value))) > 70 || trailingNewline || leadingNewline || trailingTriple
	skipLeading := single && (value[0] == ' ' || value[0] == '\t')
	var b strings.Builder
	b.WriteString(`"""`)
	if multi && !skipLeading || leadingNewline {
		b.WriteString("\n")
	}
	b.WriteString(escaped)
	if multi || trailingNewline {
		b.WriteString("\n")
	}
	b.WriteString(`"""`)
	return b.String()
}

// quote is graphql-js's printString: control characters, '"' and '\' escaped.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
