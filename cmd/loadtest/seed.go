package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"latchkey/account"
	"latchkey/database"
	"latchkey/email/emailtest"
	"latchkey/ent"
)

// Passwords of the seeded accounts, before and after resetPassword; neither is on the common list.
const (
	seedPassword  = "loadtest correct horse battery"
	resetPassword = "loadtest staple of another kind"
)

func userEmail(i int) string { return fmt.Sprintf("load%06d@example.com", i) }

// seedUsers creates n accounts that share one argon2id hash of seedPassword, straight into the
// database the server will open (a DATABASE_URL): hashing each would take minutes and measure
// nothing we need.
func seedUsers(ctx context.Context, dbURL string, n int) error {
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	hash, err := account.NewHasher(account.DefaultArgon2Params, account.HashLimits{}).Hash(ctx, seedPassword)
	if err != nil {
		return err
	}
	const batch = 500
	for from := 0; from < n; from += batch {
		var builders []*ent.UserCreate
		for i := from; i < min(from+batch, n); i++ {
			builders = append(builders, db.Client.User.Create().
				SetUsername(fmt.Sprintf("load%06d", i)).
				SetEmail(userEmail(i)).
				SetPasswordHash(hash))
		}
		if err := db.Client.User.CreateBulk(builders...).Exec(ctx); err != nil {
			return fmt.Errorf("seed users: %w", err)
		}
	}
	return nil
}

// outboxDepth counts mail waiting in the server's outbox, read through a connection of our own.
func outboxDepth(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM mail_outbox").Scan(&n)
	return n, err
}

// waitOutboxEmpty waits until the server's mail worker has caught up, and says how long it took.
func waitOutboxEmpty(ctx context.Context, db *sql.DB, limit time.Duration) (time.Duration, int, error) {
	start := time.Now()
	for {
		n, err := outboxDepth(ctx, db)
		if err != nil || n == 0 || time.Since(start) > limit {
			return time.Since(start), n, err
		}
		select {
		case <-ctx.Done():
			return time.Since(start), n, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// resetTokens returns the newest reset token mailed to each address, in the order first mailed.
func resetTokens(smtp *emailtest.Server, frontend string) []string {
	prefix := frontend + "/reset-password#token="
	latest := map[string]string{}
	var order []string
	for _, m := range smtp.Messages() {
		if m.Parsed == nil || len(m.To) == 0 {
			continue
		}
		link, ok := emailtest.FindLink(m.Parsed.Text, prefix)
		if !ok {
			continue
		}
		if _, seen := latest[m.To[0]]; !seen {
			order = append(order, m.To[0])
		}
		latest[m.To[0]] = link[len(prefix):]
	}
	tokens := make([]string, 0, len(order))
	for _, to := range order {
		tokens = append(tokens, latest[to])
	}
	return tokens
}

// signedIn is one session: what a login answered.
type signedIn struct {
	access, refresh string
}

const signInQuery = `mutation($e:String!,$p:String!){login(input:{email:$e,password:$p}){accessToken refreshToken}}`

// signIn logs in as the given accounts, one after another, and returns their sessions.
func (l *loader) signIn(ctx context.Context, users []int) ([]signedIn, error) {
	sessions := make([]signedIn, 0, len(users))
	for _, i := range users {
		body := mustJSON(map[string]any{"query": signInQuery, "variables": map[string]string{"e": userEmail(i), "p": seedPassword}})
		var out struct {
			Data struct {
				Login struct {
					AccessToken  string `json:"accessToken"`
					RefreshToken string `json:"refreshToken"`
				} `json:"login"`
			} `json:"data"`
			Errors []json.RawMessage `json:"errors"`
		}
		if err := l.postJSON(ctx, body, &out); err != nil {
			return nil, err
		}
		if out.Data.Login.AccessToken == "" || out.Data.Login.RefreshToken == "" {
			return nil, fmt.Errorf("login as %s failed: %s", userEmail(i), out.Errors)
		}
		sessions = append(sessions, signedIn{out.Data.Login.AccessToken, out.Data.Login.RefreshToken})
	}
	return sessions, nil
}

func (l *loader) postJSON(ctx context.Context, body []byte, into any) error {
	var buf bytes.Buffer
	code := l.send(ctx, jsonHeader(), body, &buf, []byte(`"data"`))
	if code != "" && code != "UNAUTHENTICATED" {
		return fmt.Errorf("request failed (%s): %s", code, truncate(buf.String(), 300))
	}
	return json.Unmarshal(buf.Bytes(), into)
}

// hashCeiling runs argon2id with the server's parameters on every core at once for d and
// returns hashes per second, the most logins this machine could ever answer, and the CPU time
// one hash took.
func hashCeiling(d time.Duration) (float64, int, time.Duration) {
	p := account.DefaultArgon2Params
	salt := make([]byte, p.SaltLen)
	var total atomic.Int64
	var wg sync.WaitGroup
	cpu0 := selfCPU()
	start := time.Now()
	end := start.Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(end) {
				argon2.IDKey([]byte(seedPassword), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
				total.Add(1)
			}
		})
	}
	wg.Wait()
	n := max(int(total.Load()), 1)
	return float64(n) / time.Since(start).Seconds(), n, (selfCPU() - cpu0) / time.Duration(n)
}
