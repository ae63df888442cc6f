package contract_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"latchkey/account"
	"latchkey/app/apptest"
)

// fairHashing costs enough that a flood keeps the single hashing slot busy.
var fairHashing = account.Argon2Params{Memory: 4096, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// postFrom posts an operation as the client forwardedFor, off the test's goroutine, and returns
// the first error's code ("" on success).
func postFrom(env *apptest.Env, forwardedFor, query string, vars map[string]any) (string, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, env.URL()+"/graphql", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", forwardedFor)
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct {
		Errors []apptest.GQLError `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return "", err
	}
	if len(r.Errors) == 0 {
		return "", nil
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code, nil
}

// TestHashingFairAcrossClients: one address flooding logins holds at most two of the hashing
// slots and queue places, so another address's correct logins still get through, soon.
func TestHashingFairAcrossClients(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true, Argon2: fairHashing, Env: map[string]string{
		"PASSWORD_HASH_CONCURRENCY":  "1",
		"PASSWORD_HASH_QUEUE_LENGTH": "4",
		"TRUSTED_PROXIES":            "127.0.0.1/32",
	}})
	env.Register(t, "bob", "bob@example.com", "bobs-password-1")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var floodErr error
	var once sync.Once
	for g := range 24 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// A new email each time, so that the per-email throttle never stops the flood before hashing.
				vars := map[string]any{"e": fmt.Sprintf("guess-%d-%d@example.com", g, i), "p": "wrong-password-1"}
				if _, err := postFrom(env, "203.0.113.7", apptest.LoginMutation, vars); err != nil {
					once.Do(func() { floodErr = err })
					return
				}
			}
		})
	}
	defer func() {
		close(stop)
		wg.Wait()
		if floodErr != nil {
			t.Errorf("flood: %v", floodErr)
		}
	}()
	hasher := env.App.Accounts.Hasher()
	eventually(t, "the flood to queue for the hasher", func() bool { return hasher.QueueDepth() > 0 })

	for i := range 5 {
		start := time.Now()
		code, err := postFrom(env, "198.51.100.2", apptest.LoginMutation, map[string]any{"e": "bob@example.com", "p": "bobs-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		if code != "" {
			t.Fatalf("login %d of the other address answered %s during the flood; want a session", i+1, code)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("login %d of the other address took %v during the flood; want well under 3s", i+1, took)
		}
	}
}
