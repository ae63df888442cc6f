//go:build unix

package contract_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"latchkey/app/apptest"
)

// BenchmarkMe is one signed-in `me` through the app's whole handler (middleware, GraphQL, the
// token check, the user's read), in process, on both cores; on PostgreSQL when
// TEST_DATABASE_URL is set. go run ./cmd/loadtest measures the same over real sockets. Besides
// wall time it reports the process's CPU time per request, which other work on a shared machine
// disturbs far less.
func BenchmarkMe(b *testing.B) {
	env := apptest.Start(b, apptest.Setup{NoWorker: true, Argon2: cheapArgon2})
	token := env.Register(b, "bench", "bench@example.com", "bench password 1").AccessToken
	body := operation(b, apptest.MeQuery, nil)
	b.ReportAllocs()
	b.ResetTimer() // starting the app is not the request
	cpu := cpuTime(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			env.App.Handler.ServeHTTP(w, r)
			if !strings.Contains(w.Body.String(), `"me":{"id"`) {
				b.Errorf("unexpected answer: %s", w.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time the process has used so far, user and system.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
