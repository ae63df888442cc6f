package graph

import (
	"bytes"

	"github.com/vektah/gqlparser/v2/formatter"
)

// PrintSchema returns the whole schema the server serves, in SDL, as committed in schema.graphql.
func PrintSchema() []byte {
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(NewExecutableSchema(Config{}).Schema())
	return b.Bytes()
}
