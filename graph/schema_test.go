package graph_test

import (
	"bytes"
	"os"
	"testing"

	"latchkey/graph"
)

func TestSchemaFileMatchesServedSchema(t *testing.T) {
	committed, err := os.ReadFile("../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, graph.PrintSchema()) {
		t.Fatal("schema.graphql differs from the schema the server serves; run go generate ./...")
	}
}
