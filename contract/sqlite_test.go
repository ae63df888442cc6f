package contract_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"latchkey/app/apptest"
)

// writers is how many requests that write arrive at the same moment.
const writers = 64

type writeResult struct {
	status int
	code   string
	body   string
	err    error
	data   map[string]json.RawMessage
}

// call is one GraphQL request, signed in when token is not empty.
type call struct {
	token, query string
	vars         map[string]any
}

// racer is the address of the i-th concurrent client: the hasher serves at most two requests
// of one client at once, and these tests are about many clients.
func racer(i int) string { return fmt.Sprintf("198.18.%d.%d", i/256, i%256) }

// allAtOnce sends request(i) for i in [0, n) from n goroutines released together, each from
// its own client address.
func allAtOnce(env *apptest.Env, n int, request func(i int) call) []writeResult {
	results := make([]writeResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		c := request(i)
		wg.Go(func() {
			<-start
			status, body, err := postAs(env, c, racer(i))
			r := writeResult{status: status, body: string(body), err: err}
			var decoded struct {
				Data   map[string]json.RawMessage `json:"data"`
				Errors []apptest.GQLError         `json:"errors"`
			}
			if err == nil && json.Unmarshal(body, &decoded) == nil {
				r.data = decoded.Data
				if len(decoded.Errors) > 0 {
					r.code, _ = decoded.Errors[0].Extensions["code"].(string)
				}
			}
			results[i] = r
		})
	}
	close(start)
	wg.Wait()
	return results
}

func wantAllOK(t *testing.T, what string, results []writeResult) {
	t.Helper()
	for i, r := range results {
		if r.err != nil || r.status != 200 || r.code != "" {
			t.Errorf("%s %d: HTTP %d, code %q, err %v: %s", what, i, r.status, r.code, r.err, r.body)
		}
	}
}

// TestSQLiteConcurrentWriters: 64 requests that write, arriving at once, all succeed: the server's
// own writers queue for SQLite's one write lock instead of failing with SQLITE_BUSY, which a
// client would see as INTERNAL_SERVER_ERROR. The mail worker writes at the same time.
func TestSQLiteConcurrentWriters(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}})
	email := func(i int) string { return fmt.Sprintf("writer%02d@example.com", i) }

	var tokens []string
	t.Run("OKRegister", func(t *testing.T) {
		results := allAtOnce(env, writers, func(i int) call {
			return call{"", apptest.RegisterMutation, map[string]any{"u": fmt.Sprintf("writer%02d", i), "e": email(i), "p": "writer password 1"}}
		})
		wantAllOK(t, "register", results)
		for _, r := range results {
			var s apptest.Session
			if json.Unmarshal(r.data["register"], &s) == nil && s.AccessToken != "" {
				tokens = append(tokens, s.AccessToken)
			}
		}
	})
	if len(tokens) != writers {
		t.Fatalf("%d sessions from %d registrations", len(tokens), writers)
	}

	t.Run("OKForgotPassword", func(t *testing.T) {
		wantAllOK(t, "forgotPassword", allAtOnce(env, writers, func(i int) call {
			if i%2 == 1 {
				return call{"", apptest.ForgotMutation, map[string]any{"e": fmt.Sprintf("nobody%02d@example.com", i)}}
			}
			return call{"", apptest.ForgotMutation, map[string]any{"e": email(i)}}
		}))
	})

	t.Run("OKMixed", func(t *testing.T) {
		// Transactions (changePassword), single inserts (forgotPassword, register) and the mail
		// worker's claims and deletes, all at once.
		wantAllOK(t, "mixed", allAtOnce(env, writers, func(i int) call {
			switch i % 4 {
			case 0:
				return call{tokens[i], apptest.ChangeMutation, map[string]any{"c": "writer password 1", "n": "writer password 2"}}
			case 1:
				return call{"", apptest.ForgotMutation, map[string]any{"e": email(i)}}
			case 2:
				return call{"", apptest.RegisterMutation, map[string]any{"u": fmt.Sprintf("late%02d", i), "e": fmt.Sprintf("late%02d@example.com", i), "p": "writer password 1"}}
			}
			return call{"", apptest.LoginMutation, map[string]any{"e": email(i), "p": "writer password 1"}}
		}))
	})

	t.Run("NoBusyInLogs", func(t *testing.T) {
		env.SMTP.Wait(t, writers/2, mailWait) // the worker has caught up with the known addresses
		logs := env.Logs()
		for _, bad := range []string{"database is locked", "SQLITE_BUSY", "internal error"} {
			if strings.Contains(logs, bad) {
				t.Errorf("server log mentions %q", bad)
			}
		}
	})
}

// postAs sends c off the test's goroutine as the client from (X-Forwarded-For, believed only with
// TRUSTED_PROXIES), when from is not empty.
func postAs(env *apptest.Env, c call, from string) (status int, body []byte, err error) {
	payload, err := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(http.MethodPost, env.URL()+"/graphql", bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}
