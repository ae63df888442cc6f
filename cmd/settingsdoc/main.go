// Command settingsdoc writes the settings table into the README (between its settings markers)
// and writes .env.example, both from the one table in package config.
package main

import (
	"bytes"
	"fmt"
	"os"

	"latchkey/config"
)

const (
	startMarker = "<!-- settings:start -->\n"
	endMarker   = "<!-- settings:end -->"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: settingsdoc README.md .env.example")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "settingsdoc:", err)
		os.Exit(1)
	}
}

func run(readme, envExample string) error {
	doc, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	start := bytes.Index(doc, []byte(startMarker))
	end := bytes.Index(doc, []byte(endMarker))
	if start < 0 || end < start {
		return fmt.Errorf("%s has no %q … %q section", readme, startMarker, endMarker)
	}
	var out bytes.Buffer
	out.Write(doc[:start+len(startMarker)])
	out.WriteString(config.MarkdownTable())
	out.Write(doc[end:])
	if err := os.WriteFile(readme, out.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(envExample, []byte(config.EnvExample()), 0o644)
}
