package contract_test

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// TestSchemaFileIsServedSchema: schema.graphql is, byte for byte, what graphql-js's printSchema
// makes of the running server's introspection, as tools such as graphql-codegen fetch it; and a
// directive the server does not serve (@defer, which needs a streaming transport) is refused.
func TestSchemaFileIsServedSchema(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping: node is not installed, and graphql-js's printSchema needs it (apt-get install nodejs)")
	}
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	query := runNode(t, node, "query", nil)
	req, _ := http.NewRequest(http.MethodPost, env.URL()+"/graphql", bytes.NewReader(query))
	req.Header.Set("Content-Type", "application/json")
	r := env.Do(t, req)
	wantOK(t, r)
	served := runNode(t, node, "print", r.Body)

	committed, err := os.ReadFile("../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, served) {
		t.Errorf("schema.graphql differs from the served schema as graphql-js prints it (go generate ./graph):\n%s", lineDiff(string(committed), string(served)))
	}

	t.Run("DeferNotServed", func(t *testing.T) {
		r := env.Query(t, "", `{ ... @defer { __typename } }`, nil)
		wantError(t, r, "BAD_USER_INPUT", "", "")
		if !strings.Contains(r.Errors[0].Message, "defer") {
			t.Errorf("message = %q, want it to name the directive", r.Errors[0].Message)
		}
	})
}

// runNode runs testdata/printschema.js with mode, stdin as its input, and returns its output.
func runNode(tb testing.TB, node, mode string, stdin []byte) []byte {
	tb.Helper()
	cmd := exec.Command(node, "printschema.js", mode)
	cmd.Dir = "testdata"
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("node printschema.js %s: %v\n%s", mode, err, stderr.String())
	}
	return out
}

// lineDiff names the first line where a and b part.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n  schema.graphql: " + al[i] + "\n  served:         " + bl[i]
		}
	}
	return "one is a prefix of the other"
}
