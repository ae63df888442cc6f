package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"latchkey/account"
	"latchkey/email/emailtest"
)

// defaultPostgres is the local PostgreSQL server of a development machine and of CI.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Phases of the sessions part: the same two on each database.
const (
	meSQLite        = "me, SQLite"
	mePostgres      = "me, PostgreSQL"
	again           = ", again" // the second me phase on each database
	refreshSQLite   = "refreshSession, SQLite"
	refreshPostgres = "refreshSession, PostgreSQL"
)

const (
	refreshQuery = `mutation($t:String!){refreshSession(input:{refreshToken:$t}){accessToken refreshToken}}`
	signOutQuery = `mutation{signOut(input:{scope:THIS}){message}}`
	// Targets of issue 14.
	meRatioTarget    = 0.80
	revocationTarget = time.Second
	// revocationGiveUp is how long replica 2 is polled before a revocation counts as not seen.
	revocationGiveUp = 5 * time.Second
)

// sessionsServer is one server of the sessions part, its loader and its signed-in sessions.
type sessionsServer struct {
	srv      *serverProc
	m        *measurer
	sessions []signedIn
}

// measureSessions measures me and refreshSession on SQLite and then on a throw-away PostgreSQL
// database (unless -postgres is empty), the same -c accounts and phases on both, and a
// revocation on one PostgreSQL replica seen by another. Its results go into rep.
func measureSessions(ctx context.Context, o options, bin, dir string, rep *report, logf func(string, ...any)) error {
	smtp, err := emailtest.StartServer(emailtest.Options{})
	if err != nil {
		return err
	}
	defer smtp.Close()
	users := userRange(0, o.c)
	env := func(dbURL string) map[string]string { return serverEnv(dbURL, smtp, o.profileDir != "") }

	lite, err := startSessionsServer(ctx, o, bin, dir, "sqlite:"+filepath.Join(dir, "sessions.db"), env, users, "server-sessions-sqlite.log", logf)
	if err != nil {
		return err
	}
	defer lite.srv.kill()
	rep.sessionsEnv = env("sqlite:" + filepath.Join(dir, "sessions.db"))
	if o.postgres == "" {
		logf("sessions: -postgres is empty, PostgreSQL not measured")
		rep.add(lite.m.phase(ctx, mePhase(meSQLite, lite)))
		rep.add(lite.m.phase(ctx, refreshPhase(refreshSQLite, lite)))
		return lite.srv.stop()
	}
	pgURL, drop, err := throwAwayDatabase(ctx, o.postgres)
	if err != nil {
		return err
	}
	defer drop()
	pg, err := startSessionsServer(ctx, o, bin, dir, pgURL, env, users, "server-sessions-pg-1.log", logf)
	if err != nil {
		return err
	}
	defer pg.srv.kill()
	rep.pgMeasured = true
	// me on both databases back to back, in the order A B B A: the first phase of a run is
	// often the slowest (by 10 to 20 % here), and the rest of the machine drifts.
	rep.add(lite.m.phase(ctx, mePhase(meSQLite, lite)))
	rep.add(pg.m.phase(ctx, mePhase(mePostgres, pg)))
	rep.add(pg.m.phase(ctx, mePhase(mePostgres+again, pg)))
	rep.add(lite.m.phase(ctx, mePhase(meSQLite+again, lite)))
	rep.add(lite.m.phase(ctx, refreshPhase(refreshSQLite, lite)))
	rep.add(pg.m.phase(ctx, refreshPhase(refreshPostgres, pg)))
	if err := lite.srv.stop(); err != nil {
		return err
	}

	logf("revocation: a second server on the same PostgreSQL database, %d sign-outs", o.revocations)
	replica2, err := startServer(ctx, bin, dir, env(pgURL), "server-sessions-pg-2.log")
	if err != nil {
		return err
	}
	defer replica2.kill()
	rep.revocation = measureRevocation(ctx, pg.m.l, newLoader(replica2), users, o.revocations)
	if err := replica2.stop(); err != nil {
		return err
	}
	return pg.srv.stop()
}

// startSessionsServer seeds users into a fresh database at dbURL, starts a server on it and
// signs each user in once.
func startSessionsServer(ctx context.Context, o options, bin, dir, dbURL string, env func(string) map[string]string, users []int, logName string, logf func(string, ...any)) (*sessionsServer, error) {
	if err := seedUsers(ctx, dbURL, len(users)); err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, bin, dir, env(dbURL), logName)
	if err != nil {
		return nil, err
	}
	l := newLoader(srv)
	s := &sessionsServer{srv: srv, m: &measurer{l: l, srv: srv, o: o, logf: logf}}
	logf("sessions: signing in %d accounts (%s)", len(users), logName)
	if s.sessions, err = l.signIn(ctx, users); err != nil {
		srv.kill()
		return nil, err
	}
	return s, nil
}

func mePhase(name string, s *sessionsServer) phase {
	mes := make([][]byte, len(s.sessions))
	for i, t := range s.sessions {
		mes[i] = render(s.m.l.url, mustJSON(map[string]any{"query": meQuery}), t.access)
	}
	return phase{name: name, next: func(w int) (request, bool) {
		return request{raw: mes[w%len(mes)]}, true
	}, ok: []byte(`"me":{`)}
}

func refreshPhase(name string, s *sessionsServer) phase {
	chains := newRefreshChains(s.m.l.url, s.sessions)
	return phase{name: name, next: chains.next, reply: chains.reply, ok: refreshKey}
}

// throwAwayDatabase creates an empty database on the PostgreSQL server of adminURL and returns
// its URL and a function that drops it.
func throwAwayDatabase(ctx context.Context, adminURL string) (string, func(), error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, errors.New("-postgres: not a URL")
	}
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("-postgres: %w", err)
	}
	name := "latchkey_load_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("-postgres: create a database: %w", err)
	}
	u.Path = "/" + name
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	return u.String(), drop, nil
}

var refreshKey = []byte(`"refreshToken":"`)

// refreshChains hold each worker's own session for the refreshSession phase: rotation makes
// every request depend on the refresh token the previous answer gave. Each worker touches only
// its own entries; a warm-up and the measured run after it are one after the other.
type refreshChains struct {
	reqs    [][]byte // the next request of each worker, rendered, its refresh token at tokenAt
	tokenAt []int
	tokLen  int
	broken  []bool // the chain ended: an answer without a new refresh token
}

func newRefreshChains(target string, sessions []signedIn) *refreshChains {
	rc := &refreshChains{tokenAt: make([]int, len(sessions)), broken: make([]bool, len(sessions))}
	for w, s := range sessions {
		body := mustJSON(map[string]any{"query": refreshQuery, "variables": map[string]string{"t": s.refresh}})
		raw := render(target, body, "")
		rc.reqs = append(rc.reqs, raw)
		rc.tokenAt[w] = bytes.LastIndex(raw, []byte(s.refresh))
		rc.tokLen = len(s.refresh)
	}
	return rc
}

func (rc *refreshChains) next(w int) (request, bool) {
	if w >= len(rc.reqs) || rc.broken[w] {
		return request{}, false
	}
	return request{raw: rc.reqs[w]}, true
}

// reply puts the answer's refresh token into the worker's next request, in place. A failed
// refresh, or an answer without a new token of the same shape, ends the worker's chain: sending
// the spent token again would be a reuse.
func (rc *refreshChains) reply(w int, body []byte, code string) string {
	if code != "" {
		rc.broken[w] = true
		return code
	}
	i := bytes.Index(body, refreshKey)
	if i < 0 {
		rc.broken[w] = true
		return "no refreshToken in the answer"
	}
	tok := body[i+len(refreshKey):]
	if j := bytes.IndexByte(tok, '"'); j != rc.tokLen {
		rc.broken[w] = true
		return "refreshToken of another length"
	}
	cur := rc.reqs[w][rc.tokenAt[w] : rc.tokenAt[w]+rc.tokLen]
	if bytes.Equal(cur, tok[:rc.tokLen]) {
		rc.broken[w] = true
		return "refreshToken not rotated"
	}
	copy(cur, tok[:rc.tokLen])
	return ""
}

// revocationRun is what the revocation phase measured: sign-outs on replica 1, each polled
// with me on replica 2 until it is refused.
type revocationRun struct {
	n         int
	latencies []time.Duration // sorted; from sending signOut to replica 2's first UNAUTHENTICATED
	failures  []string
}

func (r *revocationRun) percentile(p float64) time.Duration {
	return (&result{latencies: r.latencies}).percentile(p)
}

func (r *revocationRun) met() bool {
	return len(r.failures) == 0 && len(r.latencies) == r.n && r.n > 0 && r.percentile(100) < revocationTarget
}

// measureRevocation signs in on replica 1, has replica 2 answer me with the new session (so
// that it holds it in its cache, just filled), signs out on replica 1 and polls me on replica 2
// until it answers UNAUTHENTICATED, n times.
func measureRevocation(ctx context.Context, r1, r2 *loader, users []int, n int) *revocationRun {
	run := &revocationRun{n: n}
	c1, c2 := dialRaw(r1.addr, 0), dialRaw(r2.addr, 1)
	defer c1.close()
	defer c2.close()
	signOut := mustJSON(map[string]any{"query": signOutQuery})
	me := mustJSON(map[string]any{"query": meQuery})
	var buf bytes.Buffer
	call := func(c *rawConn, raw, ok []byte) string {
		buf.Reset()
		status, err := c.do(raw, &buf)
		if err != nil {
			return "transport: " + err.Error()
		}
		return classify(status, buf.Bytes(), ok)
	}
	fail := func(i int, what string) {
		run.failures = append(run.failures, fmt.Sprintf("sign-out %d: %s", i+1, what))
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		s, err := r1.signIn(ctx, users[i%len(users):i%len(users)+1])
		if err != nil {
			fail(i, err.Error())
			continue
		}
		meReq := render(r2.url, me, s[0].access)
		if code := call(c2, meReq, []byte(`"me":{`)); code != "" {
			fail(i, "replica 2 refused the new session before the sign-out: "+code)
			continue
		}
		start := time.Now()
		if code := call(c1, render(r1.url, signOut, s[0].access), []byte(`"signOut":{`)); code != "" {
			fail(i, "signOut on replica 1: "+code)
			continue
		}
		for {
			code := call(c2, meReq, []byte(`"me":{`))
			if code == account.CodeUnauthenticated {
				run.latencies = append(run.latencies, time.Since(start))
				break
			}
			if code != "" {
				fail(i, "me on replica 2: "+code)
				break
			}
			if time.Since(start) > revocationGiveUp || ctx.Err() != nil {
				fail(i, fmt.Sprintf("replica 2 still answered me %v after the sign-out", revocationGiveUp))
				break
			}
		}
	}
	slices.Sort(run.latencies)
	return run
}
