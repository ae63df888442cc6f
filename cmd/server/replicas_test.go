package main

import (
	"database/sql"

	"bytes"
	"encoding/json"
	"fmt"
	_ "github.com/jackc/pgx/v5/stdlib"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"latchkey/app/apptest"
	"latchkey/email/emailtest"
)

// TestReplicasShareOnePostgres runs two server processes on one PostgreSQL database and one
// mail server: every accepted forgotPassword sends exactly one mail whichever replica took it
// and whichever worker sent it, and a password changed on one replica revokes the old token on
// the other at once.
func TestReplicasShareOnePostgres(t *testing.T) {
	if apptest.PostgresURL() == "" {
		t.Skip("TEST_DATABASE_URL is not set: PostgreSQL is tested in the second run of .ci/run")
	}
	smtp := emailtest.Start(t, emailtest.Options{})
	env := map[string]string{
		"SECRET_KEY":                      testSecret,
		"DATABASE_URL":                    apptest.FreshDatabase(t),
		"AUTO_MIGRATE":                    "true", // both at once: the migration lock must hold
		"MAIL_SERVER":                     smtp.Host(),
		"MAIL_PORT":                       strconv.Itoa(smtp.Port()),
		"MAIL_USE_TLS":                    "false",
		"RATE_LIMIT_ENABLED":              "false",
		"RESET_MAIL_MIN_INTERVAL_SECONDS": "0",
		"RESET_MAILS_PER_HOUR":            "1000",
	}
	dir := t.TempDir()
	var replicas [2]*Process
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { replicas[i] = startServer(t, dir, copyEnv(env)) })
	}
	wg.Wait()
	a, b := replicas[0], replicas[1]

	const users, requests = 50, 200
	tokens := make([]string, users)
	for i := range users {
		tokens[i] = registerOn(t, a.URL, i)
	}

	t.Run("EachAcceptedRequestMailsOnce", func(t *testing.T) {
		var sent sync.WaitGroup
		errs := make(chan error, requests)
		for i := range requests {
			target := replicas[i%2].URL
			sent.Go(func() {
				r, err := post(target, "", `mutation($e:String!){forgotPassword(input:{email:$e}){message}}`, map[string]any{"e": userEmail(i % users)})
				if err == nil && r.Errors != nil {
					err = fmt.Errorf("forgotPassword: %s", r.Errors)
				}
				errs <- err
			})
		}
		sent.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		mails := smtp.Wait(t, requests, 60*time.Second)
		perUser := map[string]int{}
		for _, m := range mails {
			if !strings.HasPrefix(m.Parsed.Subject, "Reset your") {
				t.Fatalf("unexpected mail %q", m.Parsed.Subject)
			}
			perUser[strings.Join(m.To, ",")]++
		}
		for i := range users {
			if n := perUser[userEmail(i)]; n != requests/users {
				t.Errorf("%s got %d reset mails, want %d", userEmail(i), n, requests/users)
			}
		}
		waitOutboxEmpty(t, env["DATABASE_URL"])
		if n := smtp.Count(); n != requests {
			t.Errorf("%d mails in all, want exactly %d", n, requests)
		}
	})

	t.Run("RevocationIsImmediateOnTheOtherReplica", func(t *testing.T) {
		r, err := post(a.URL, tokens[0], `mutation{changePassword(input:{currentPassword:"replica-password-0",newPassword:"a brand new password"}){session{accessToken}}}`, nil)
		if err != nil || r.Errors != nil {
			t.Fatalf("changePassword on A: %v %s", err, r.Errors)
		}
		r, err = post(b.URL, tokens[0], `{me{id}}`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(r.Errors, []byte("UNAUTHENTICATED")) {
			t.Fatalf("the old token still works on B: data %s errors %s", r.Data, r.Errors)
		}
	})
}

func copyEnv(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	return out
}

func userEmail(i int) string { return fmt.Sprintf("replica%02d@example.com", i) }

func registerOn(tb testing.TB, base string, i int) string {
	tb.Helper()
	r, err := post(base, "", `mutation($u:String!,$e:String!,$p:String!){register(input:{username:$u,email:$e,password:$p}){accessToken}}`,
		map[string]any{"u": fmt.Sprintf("replica%02d", i), "e": userEmail(i), "p": fmt.Sprintf("replica-password-%d", i)})
	if err != nil || r.Errors != nil {
		tb.Fatalf("register %d: %v %s", i, err, r.Errors)
	}
	var s struct {
		Register struct{ AccessToken string } `json:"register"`
	}
	if err := json.Unmarshal(r.Data, &s); err != nil {
		tb.Fatal(err)
	}
	return s.Register.AccessToken
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors json.RawMessage `json:"errors"`
}

func post(base, token, query string, vars map[string]any) (*gqlResponse, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// waitOutboxEmpty waits until no mail is left to send, so that a late duplicate would be counted.
func waitOutboxEmpty(tb testing.TB, databaseURL string) {
	tb.Helper()
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM mail_outbox`).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d mails still queued", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
