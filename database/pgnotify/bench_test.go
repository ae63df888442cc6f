package pgnotify_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"latchkey/database/pgnotify"
)

// BenchmarkNotifyLatency: a notification committed by a writer, heard by two watchers; it
// reports the time from the commit's start until both have heard it.
func BenchmarkNotifyLatency(b *testing.B) {
	dsn := freshDSN(b)
	heard := [2]chan string{make(chan string, 1), make(chan string, 1)}
	for _, ch := range heard {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		w, err := pgnotify.Watch(ctx, dsn, channel, pgnotify.Options{OnNotify: func(p string) { ch <- p }})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = w.Close() })
	}
	db := writer(b, dsn)
	ctx := context.Background()
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		payload := strconv.Itoa(i)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := pgnotify.Notify(ctx, tx, channel, payload); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		for _, ch := range heard {
			if got := <-ch; got != payload {
				b.Fatalf("heard %q, want %q", got, payload)
			}
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "µs-p50")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "µs-p99")
}

// BenchmarkTrusted: the check every request makes.
func BenchmarkTrusted(b *testing.B) {
	dsn := freshDSN(b)
	l := watch(b, dsn, pgnotify.Options{})
	trustedAfterGap(b, l, 0, 5*time.Second)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !l.w.Trusted() {
				b.Error("untrusted")
				return
			}
		}
	})
}
