// Command loadtest measures a real Latchkey server: it builds cmd/server, runs it as a process
// of its own on loopback with a fresh SQLite file and a test SMTP server, and reports requests
// per second, latency percentiles, errors and the server's peak RSS for me, forgotPassword
// (known and unknown emails, with a fast and with a slow mail server), login, signUp (known and
// unknown emails), resetPassword and a flood of concurrent logins, beside the raw argon2id
// hashing rate of the machine; then me and refreshSession on SQLite and on a throw-away
// PostgreSQL database, and how soon a sign-out on one PostgreSQL replica is refused by another.
//
//	go run ./cmd/loadtest                      # the documented run (docs/BENCHMARKS.md)
//	go run ./cmd/loadtest -quick               # a smoke test of every phase, a few seconds each
//	go run ./cmd/loadtest -only-sessions       # me and refreshSession on both databases, revocation
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"latchkey/email/emailtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
		}
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	c            int
	duration     time.Duration
	warmup       time.Duration
	hashDuration time.Duration
	smtpDelay    time.Duration
	mails        int
	mailDelay    time.Duration
	onlyMail     bool
	onlySessions bool
	postgres     string
	revocations  int
	users        int
	flood        int
	serverBin    string
	profileDir   string
	keep         bool
	quick        bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.c, "c", 16, "concurrent clients in each measured phase")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured phase")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each phase")
	fs.DurationVar(&o.hashDuration, "hash-duration", 5*time.Second, "how long to measure raw argon2id hashing")
	fs.DurationVar(&o.smtpDelay, "smtp-delay", 2*time.Second, "how long the slow SMTP server takes per mail")
	fs.IntVar(&o.mails, "mails", 1000, "reset mails asked for at once in the mail throughput phase, one per account of their own")
	fs.DurationVar(&o.mailDelay, "mail-delay", 200*time.Millisecond, "how long the SMTP server of the mail throughput phase takes per mail")
	fs.BoolVar(&o.onlyMail, "only-mail", false, "run the mail throughput phase alone")
	fs.BoolVar(&o.onlySessions, "only-sessions", false, "run the sessions part alone: me and refreshSession on SQLite and PostgreSQL, revocation across replicas")
	fs.StringVar(&o.postgres, "postgres", defaultPostgres, "`URL` of a PostgreSQL server to create a throw-away database on for the sessions part (empty: SQLite only)")
	fs.IntVar(&o.revocations, "revocations", 20, "sign-outs on one PostgreSQL replica timed until another refuses the session")
	fs.IntVar(&o.users, "users", 2000, "accounts to seed (half for the fast-mail phases, half for the slow-mail phase and the flood)")
	fs.IntVar(&o.flood, "flood", 500, "logins sent at once in the flood phase")
	fs.StringVar(&o.serverBin, "server", "", "`path` of a built cmd/server binary (default: go build it)")
	fs.StringVar(&o.profileDir, "profile", "", "`dir` to write a CPU profile of the server per phase to (sets DEBUG_PPROF=true)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (database, server logs)")
	fs.BoolVar(&o.quick, "quick", false, "smoke test: short phases, few accounts, small flood (flags given explicitly still win)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		quick := func(name string, apply func()) {
			if !set[name] {
				apply()
			}
		}
		quick("c", func() { o.c = 4 })
		quick("duration", func() { o.duration = time.Second })
		quick("warmup", func() { o.warmup = 200 * time.Millisecond })
		quick("hash-duration", func() { o.hashDuration = time.Second })
		quick("users", func() { o.users = 64 })
		quick("flood", func() { o.flood = 50 })
		quick("mails", func() { o.mails = 64 })
		quick("revocations", func() { o.revocations = 5 })
	}
	if o.c < 1 || o.users < 4 || o.flood < 1 || o.duration <= 0 || o.mails < 1 || o.revocations < 1 {
		return o, errors.New("need -c >= 1, -users >= 4, -flood >= 1, -duration > 0, -mails >= 1 and -revocations >= 1")
	}
	if o.onlyMail && o.onlySessions {
		return o, errors.New("-only-mail and -only-sessions exclude each other")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rep, err := measureAll(ctx, o, stderr)
	if rep != nil {
		rep.print(stdout)
	}
	if err != nil {
		return err
	}
	if bad := rep.unexpectedErrors(); bad != "" {
		return fmt.Errorf("unexpected errors: %s", bad)
	}
	return nil
}

// GraphQL documents, as a client would send them.
const (
	meQuery     = `{me{id username email createdAt}}`
	forgotQuery = `mutation($e:String!){forgotPassword(input:{email:$e}){message}}`
	loginQuery  = `mutation($e:String!,$p:String!){login(input:{email:$e,password:$p}){accessToken expiresAt user{id}}}`
	resetQuery  = `mutation($t:String!,$p:String!){resetPassword(input:{token:$t,newPassword:$p}){message}}`
)

const (
	mixedPhase     = "forgotPassword, known and unknown interleaved"
	mixedSlowPhase = "forgotPassword, known and unknown interleaved, slow SMTP"
)

const (
	frontendURL = "http://latchkey.test"
	secretKey   = "loadtest-secret-key-that-is-at-least-32-bytes-long"
	// rateLimit raises every per-IP limit out of reach: all load comes from loopback.
	rateLimit = "1000000000"
)

// serverEnv is the server's whole environment for the run, on the database at dbURL.
func serverEnv(dbURL string, smtp *emailtest.Server, pprof bool) map[string]string {
	env := map[string]string{
		"APP_ENV":                               "development",
		"HOST":                                  "127.0.0.1",
		"PORT":                                  "0",
		"METRICS_ADDR":                          "127.0.0.1:0", // pprof is served there
		"DATABASE_URL":                          dbURL,
		"SECRET_KEY":                            secretKey,
		"FRONTEND_URL":                          frontendURL,
		"MAIL_SERVER":                           smtp.Host(),
		"MAIL_PORT":                             strconv.Itoa(smtp.Port()),
		"MAIL_USE_TLS":                          "false",
		"RATE_LIMIT_ENABLED":                    "true",
		"RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": rateLimit,
		"RATE_LIMIT_LOGIN_PER_MINUTE":           rateLimit,
		"RATE_LIMIT_RESET_PASSWORD_PER_MINUTE":  rateLimit,
		"RATE_LIMIT_REGISTER_PER_MINUTE":        rateLimit,
	}
	if pprof {
		env["DEBUG_PPROF"] = "true"
	}
	return env
}

func measureAll(ctx context.Context, o options, progress io.Writer) (*report, error) {
	logf := func(format string, args ...any) { fmt.Fprintf(progress, "loadtest: "+format+"\n", args...) }
	dir, err := os.MkdirTemp("", "latchkey-loadtest-*")
	if err != nil {
		return nil, err
	}
	if o.keep {
		logf("keeping %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return nil, err
		}
	}
	bin := o.serverBin
	if bin == "" {
		logf("building cmd/server")
		if bin, err = buildServer(ctx, dir); err != nil {
			return nil, err
		}
	}
	rep := newReport(o)
	if o.onlyMail {
		rep.mail, err = measureMail(ctx, o, bin, dir, logf)
		return rep, err
	}
	if o.onlySessions {
		err = measureSessions(ctx, o, bin, dir, rep, logf)
		if err == nil && o.profileDir != "" {
			rep.profiles = summarizeProfiles(ctx, bin, o.profileDir)
		}
		return rep, err
	}
	dbPath := filepath.Join(dir, "latchkey.db")
	logf("seeding %d accounts", o.users)
	if err := seedUsers(ctx, "sqlite:"+dbPath, o.users); err != nil {
		return nil, err
	}
	half := o.users / 2
	knownA, knownB := userRange(0, half), userRange(half, o.users)

	fast, err := emailtest.StartServer(emailtest.Options{})
	if err != nil {
		return nil, err
	}
	defer fast.Close()
	srv, err := startServer(ctx, bin, dir, serverEnv("sqlite:"+dbPath, fast, o.profileDir != ""), "server-1.log")
	if err != nil {
		return nil, err
	}
	defer srv.kill()
	rep.env = serverEnv("sqlite:"+dbPath, fast, o.profileDir != "")
	outbox, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return nil, err
	}
	defer outbox.Close()

	l := newLoader(srv)
	m := &measurer{l: l, srv: srv, o: o, logf: logf}
	sessions, err := l.signIn(ctx, knownA[:min(o.c, len(knownA))])
	if err != nil {
		return rep, err
	}

	meBody := mustJSON(map[string]any{"query": meQuery})
	var mes [][]byte
	for _, s := range sessions {
		mes = append(mes, render(l.url, meBody, s.access))
	}
	rep.add(m.phase(ctx, phase{name: "me", next: func(w int) (request, bool) {
		return request{raw: mes[w%len(mes)]}, true
	}, ok: []byte(`"me":{`)}))

	unknownBodies := forgotBodies(8192, func(i int) string { return fmt.Sprintf("nobody%06d@example.net", i) })
	unknown := l.render(unknownBodies, "")
	rep.add(m.phase(ctx, phase{name: "forgotPassword, unknown email", next: cycle(unknown), ok: []byte(`"forgotPassword":{`)}))
	rep.drain(ctx, outbox, "after forgotPassword, unknown email")

	known := l.render(forgotBodies(len(knownA), func(i int) string { return userEmail(knownA[i]) }), "")
	rep.add(m.phase(ctx, phase{name: "forgotPassword, known email", next: cycle(known), ok: []byte(`"forgotPassword":{`)}))
	rep.drain(ctx, outbox, "after forgotPassword, known email")

	// The ceiling is measured just before and just after the login phase, and averaged, so
	// that other load on the machine weighs on both sides of the comparison alike.
	// Known and unknown emails interleaved, request by request, so that both meet the same
	// conditions (the mail worker, other load on the machine): the timing comparison.
	rep.add(m.phase(ctx, phase{name: mixedPhase, next: alternate(known, unknown), ok: []byte(`"forgotPassword":{`)}))
	rep.drain(ctx, outbox, "after forgotPassword, known and unknown interleaved")

	logf("raw argon2id for %v, before and after the login phase", o.hashDuration)
	rep.ceiling(hashCeiling(o.hashDuration))
	logins := l.render(loginBodies(knownA), "")
	rep.add(m.phase(ctx, phase{name: "login", next: cycle(logins), ok: []byte(`"accessToken":"`)}))
	rep.ceiling(hashCeiling(o.hashDuration))
	measureSignUp(ctx, m, rep, outbox, knownA)

	resetTok := resetTokens(fast, frontendURL)
	resets := make([][]byte, len(resetTok))
	for i, t := range resetTok {
		resets[i] = render(l.url, mustJSON(map[string]any{"query": resetQuery, "variables": map[string]string{"t": t, "p": resetPassword}}), "")
	}
	r := m.phase(ctx, phase{name: "resetPassword", noWarmup: true, next: once(resets), ok: []byte(`"resetPassword":{`)})
	if r.n == len(resets) {
		r.note = fmt.Sprintf("stopped early: all %d tokens used", len(resets))
	}
	rep.add(r)
	rep.drain(ctx, outbox, "after resetPassword")

	logf("flood: %d logins at once", o.flood)
	floodLogins := l.render(loginBodies(knownB), "")
	f := l.measure(ctx, phase{name: fmt.Sprintf("login flood (%d at once)", o.flood), c: o.flood, once: true, next: cycle(floodLogins), ok: []byte(`"accessToken":"`)})
	rep.add(f)
	rep.flood = f
	l.client.CloseIdleConnections()

	logf("restarting the server with an SMTP server that takes %v per mail", o.smtpDelay)
	if err := srv.stop(); err != nil {
		return rep, err
	}
	slow, err := emailtest.StartServer(emailtest.Options{Delay: o.smtpDelay})
	if err != nil {
		return rep, err
	}
	defer slow.Close()
	srv2, err := startServer(ctx, bin, dir, serverEnv("sqlite:"+dbPath, slow, o.profileDir != ""), "server-2.log")
	if err != nil {
		return rep, err
	}
	defer srv2.kill()
	l2 := newLoader(srv2)
	m2 := &measurer{l: l2, srv: srv2, o: o, logf: logf}
	slowNote := func(r *result, before int) *result {
		depth, _ := outboxDepth(ctx, outbox)
		r.note = fmt.Sprintf("%d mails delivered during the phase, %d queued at its end", slow.Count()-before, depth)
		return r
	}
	before := slow.Count()
	rep.add(slowNote(m2.phase(ctx, phase{name: "forgotPassword, unknown email, slow SMTP", next: cycle(l2.render(unknownBodies, "")), ok: []byte(`"forgotPassword":{`)}), before))
	knownSlow := l2.render(forgotBodies(len(knownB), func(i int) string { return userEmail(knownB[i]) }), "")
	before = slow.Count()
	rep.add(slowNote(m2.phase(ctx, phase{name: "forgotPassword, known email, slow SMTP", next: cycle(knownSlow), ok: []byte(`"forgotPassword":{`)}), before))
	before = slow.Count()
	rep.add(slowNote(m2.phase(ctx, phase{name: mixedSlowPhase, next: alternate(knownSlow, l2.render(unknownBodies, "")), ok: []byte(`"forgotPassword":{`)}), before))
	rep.slowSMTP = o.smtpDelay
	l2.client.CloseIdleConnections()
	logf("stopping the server (it sends what is due for up to its drain timeout)")
	if err := srv2.stop(); err != nil {
		return rep, err
	}
	if rep.mail, err = measureMail(ctx, o, bin, dir, logf); err != nil {
		return rep, err
	}
	if err := measureSessions(ctx, o, bin, dir, rep, logf); err != nil {
		return rep, err
	}
	if o.profileDir != "" {
		rep.profiles = summarizeProfiles(ctx, bin, o.profileDir)
	}
	return rep, ctx.Err()
}

// measurer runs phases against one server, with warm-up and an optional CPU profile.
type measurer struct {
	l    *loader
	srv  *serverProc
	o    options
	logf func(string, ...any)
}

func (m *measurer) phase(ctx context.Context, ph phase) *result {
	ph.c, ph.duration = m.o.c, m.o.duration
	m.logf("%s: %d clients for %v", ph.name, ph.c, ph.duration)
	var warmed *result
	if m.o.warmup > 0 && !ph.once && !ph.noWarmup {
		warm := ph
		warm.duration = m.o.warmup
		warmed = m.l.measure(ctx, warm)
	}
	var profiled chan error
	if m.o.profileDir != "" {
		profiled = make(chan error, 1)
		path := filepath.Join(m.o.profileDir, slug(ph.name)+".pprof")
		go func() { profiled <- m.srv.captureProfile(ctx, ph.duration, path) }()
	}
	r := m.l.measure(ctx, ph)
	if profiled != nil {
		if err := <-profiled; err != nil {
			m.logf("profile of %s: %v", ph.name, err)
		}
	}
	if warmed != nil { // an error in the warm-up is an error of the phase, too
		for code, n := range warmed.errors {
			r.errors[code+" (warm-up)"] += n
			r.example[code+" (warm-up)"] = warmed.example[code]
		}
	}
	return r
}

func userRange(from, to int) []int {
	s := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func forgotBodies(n int, email func(int) string) [][]byte {
	b := make([][]byte, n)
	for i := range b {
		b[i] = mustJSON(map[string]any{"query": forgotQuery, "variables": map[string]string{"e": email(i)}})
	}
	return b
}

func loginBodies(users []int) [][]byte {
	b := make([][]byte, len(users))
	for i, u := range users {
		b[i] = mustJSON(map[string]any{"query": loginQuery, "variables": map[string]string{"e": userEmail(u), "p": seedPassword}})
	}
	return b
}
