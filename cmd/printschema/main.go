// Command printschema writes the schema the server serves to a file (schema.graphql), so that
// clients and tooling can read it without running the server.
package main

import (
	"fmt"
	"os"

	"latchkey/graph"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: printschema FILE")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], graph.PrintSchema(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "printschema:", err)
		os.Exit(1)
	}
}
