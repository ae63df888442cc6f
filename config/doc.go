package config

import (
	"fmt"
	"strings"
)

// MarkdownTable renders every setting as the README's settings table.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| variable | default | meaning |\n|---|---|---|\n")
	for _, v := range Variables() {
		def := "(empty)"
		if v.Default != "" {
			def = "`" + v.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Name, def, strings.ReplaceAll(v.Meaning, "|", `\|`))
	}
	return b.String()
}

// EnvExample renders a commented .env file holding every setting at its default.
func EnvExample() string {
	var b strings.Builder
	b.WriteString("# Latchkey settings. Copy to .env and change what you need; the environment wins over this file.\n")
	b.WriteString("# Generated from config/variables.go by go generate ./config; do not edit by hand.\n")
	for _, v := range Variables() {
		fmt.Fprintf(&b, "\n# %s\n", v.Meaning)
		if v.Default == "" {
			fmt.Fprintf(&b, "# %s=\n", v.Name)
		} else {
			fmt.Fprintf(&b, "%s=%s\n", v.Name, v.Default)
		}
	}
	return b.String()
}
