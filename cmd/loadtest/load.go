package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// request is one GraphQL call rendered as HTTP/1.1 bytes before the clock starts, so the load
// generator spends its share of the two cores on sending, not on building requests.
type request struct {
	raw   []byte
	group int // latencies are also kept per group, e.g. known and unknown emails in one phase
}

// phase describes one measured stretch of load.
type phase struct {
	name     string
	c        int           // concurrent workers, each with its own keep-alive connection
	duration time.Duration // how long workers keep sending; 0 with once
	once     bool          // each worker sends exactly one request, all released together (a flood)
	noWarmup bool          // requests that cannot be repeated (single-use reset tokens)
	next     func(worker int) (request, bool)
	ok       []byte // a successful answer contains this
	// reply, when set, sees every answer of worker with its code ("" for a success) and returns
	// the code to count: a phase whose next request is built from the previous answer (a
	// rotated refresh token) reads it here, and turns an answer without it into an error.
	reply func(worker int, body []byte, code string) string
}

// result is what one phase measured.
type result struct {
	name       string
	c          int
	n          int
	elapsed    time.Duration
	latencies  []time.Duration // sorted
	groups     map[int]*result // the same phase's requests by request.group, when there are several
	errors     map[string]int  // by extensions.code, HTTP status or transport failure
	example    map[string]string
	serverCPU  time.Duration
	clientCPU  time.Duration
	otherCPU   time.Duration // every other process on the machine
	peakRSS    int64         // server's VmHWM over the phase, bytes; 0 when unknown
	rssIsPhase bool          // peakRSS covers this phase only (VmHWM was reset at its start)
	note       string
}

func (r *result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.n) / r.elapsed.Seconds()
}

func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies))*p/100+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

func (r *result) errorCount() int {
	n := 0
	for _, c := range r.errors {
		n += c
	}
	return n
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        2 * conns,
			MaxIdleConnsPerHost: 2 * conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// loader sends phases of requests to one server.
type loader struct {
	client *http.Client // for setting up: signing in
	url    string       // the server's /graphql
	addr   string       // its host:port
	pid    int          // the server's process, for CPU time and RSS
}

func newLoader(srv *serverProc) *loader {
	u, err := url.Parse(srv.baseURL)
	if err != nil {
		panic(err)
	}
	return &loader{client: newClient(4), url: srv.baseURL + "/graphql", addr: u.Host, pid: srv.pid()}
}

// render turns GraphQL request bodies into requests to this server.
func (l *loader) render(bodies [][]byte, token string) [][]byte {
	raw := make([][]byte, len(bodies))
	for i, b := range bodies {
		raw[i] = render(l.url, b, token)
	}
	return raw
}

type workerResult struct {
	latencies []time.Duration
	groups    []int // request.group of each latency
	errors    map[string]int
	example   map[string]string
}

func (l *loader) measure(ctx context.Context, ph phase) *result {
	rssReset := resetPeakRSS(l.pid)
	srvCPU0, cliCPU0, allCPU0 := cpuTime(l.pid), selfCPU(), machineCPU()
	workers := make([]workerResult, ph.c)
	release := make(chan struct{})
	var ready, done sync.WaitGroup
	var stop atomic.Bool
	for w := range ph.c {
		ready.Add(1)
		done.Go(func() {
			wr := &workers[w]
			wr.latencies = make([]time.Duration, 0, 1024)
			wr.errors = map[string]int{}
			wr.example = map[string]string{}
			var buf bytes.Buffer
			conn := dialRaw(l.addr, w)
			defer conn.close()
			ready.Done()
			<-release
			for i := 0; !stop.Load() && ctx.Err() == nil && !(ph.once && i > 0); i++ {
				req, more := ph.next(w)
				if !more {
					return
				}
				start := time.Now()
				buf.Reset()
				code := "transport"
				if status, err := conn.do(req.raw, &buf); err == nil {
					code = classify(status, buf.Bytes(), ph.ok)
				} else {
					buf.WriteString(err.Error())
				}
				wr.latencies = append(wr.latencies, time.Since(start))
				wr.groups = append(wr.groups, req.group)
				if ph.reply != nil {
					code = ph.reply(w, buf.Bytes(), code)
				}
				if code != "" {
					wr.errors[code]++
					if _, seen := wr.example[code]; !seen {
						wr.example[code] = truncate(buf.String(), 300)
					}
				}
			}
		})
	}
	ready.Wait()
	start := time.Now()
	close(release)
	if !ph.once {
		select {
		case <-time.After(ph.duration):
		case <-ctx.Done():
		}
		stop.Store(true)
	}
	done.Wait()
	r := &result{
		name:       ph.name,
		c:          ph.c,
		elapsed:    time.Since(start),
		errors:     map[string]int{},
		example:    map[string]string{},
		serverCPU:  cpuTime(l.pid) - srvCPU0,
		clientCPU:  selfCPU() - cliCPU0,
		otherCPU:   machineCPU() - allCPU0,
		peakRSS:    peakRSS(l.pid),
		rssIsPhase: rssReset,
	}
	for _, wr := range workers {
		r.latencies = append(r.latencies, wr.latencies...)
		for i, g := range wr.groups {
			if g == 0 {
				continue
			}
			if r.groups == nil {
				r.groups = map[int]*result{}
			}
			if r.groups[g] == nil {
				r.groups[g] = &result{name: r.name}
			}
			r.groups[g].latencies = append(r.groups[g].latencies, wr.latencies[i])
		}
		for k, v := range wr.errors {
			r.errors[k] += v
		}
		for k, v := range wr.example {
			r.example[k] = v
		}
	}
	r.otherCPU = max(0, r.otherCPU-r.serverCPU-r.clientCPU)
	r.n = len(r.latencies)
	slices.Sort(r.latencies)
	for _, g := range r.groups {
		g.n = len(g.latencies)
		slices.Sort(g.latencies)
	}
	return r
}

// send posts one request and returns "" for a success, or what went wrong: the GraphQL error
// code, the HTTP status, or "transport".
// The client only reads hdr (no cookie jar, no redirects followed with a body), so one map
// serves every request of a worker.
func (l *loader) send(ctx context.Context, hdr http.Header, body []byte, buf *bytes.Buffer, ok []byte) string {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		return "request"
	}
	hreq.Header = hdr
	buf.Reset()
	resp, err := l.client.Do(hreq)
	if err != nil {
		buf.WriteString(err.Error())
		return "transport"
	}
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "transport"
	}
	return classify(resp.StatusCode, buf.Bytes(), ok)
}

var codeKey = []byte(`"code":"`)

func classify(status int, body, ok []byte) string {
	if i := bytes.Index(body, codeKey); i >= 0 {
		rest := body[i+len(codeKey):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			return string(rest[:j])
		}
	}
	if status != http.StatusOK {
		return "HTTP " + strconv.Itoa(status)
	}
	if !bytes.Contains(body, ok) {
		return "unexpected answer"
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// cycle hands out rendered requests round-robin across all workers, forever.
func cycle(bodies [][]byte) func(int) (request, bool) {
	var i atomic.Uint64
	return func(int) (request, bool) {
		n := i.Add(1) - 1
		return request{raw: bodies[n%uint64(len(bodies))]}, true
	}
}

// alternate hands out a request of a, then of b, and so on, marked as groups 1 and 2.
func alternate(a, b [][]byte) func(int) (request, bool) {
	var i atomic.Uint64
	return func(int) (request, bool) {
		n := i.Add(1) - 1
		if n%2 == 0 {
			return request{raw: a[(n/2)%uint64(len(a))], group: 1}, true
		}
		return request{raw: b[(n/2)%uint64(len(b))], group: 2}, true
	}
}

// once hands out each rendered request a single time, then reports there is no more.
func once(bodies [][]byte) func(int) (request, bool) {
	var i atomic.Uint64
	return func(int) (request, bool) {
		n := i.Add(1) - 1
		if n >= uint64(len(bodies)) {
			return request{}, false
		}
		return request{raw: bodies[n]}, true
	}
}
