package account

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestHasherShares(t *testing.T) {
	from := func(ip, acct string) context.Context {
		ctx := WithClientIP(context.Background(), ip)
		if acct != "" {
			ctx = withHashAccount(ctx, acct)
		}
		return ctx
	}
	// wait starts acquire in the background once the caller is queued; its result arrives on the channel.
	wait := func(t *testing.T, h *Hasher, ctx context.Context) <-chan error {
		t.Helper()
		before := h.QueueDepth()
		done := make(chan error, 1)
		go func() { done <- h.acquire(ctx) }()
		waitFor(t, func() bool { return h.QueueDepth() == before+1 })
		return done
	}
	t.Run("ErrThirdFromOneClient", func(t *testing.T) {
		h := NewHasher(cheapParams, HashLimits{Concurrency: 1, QueueLength: 10, QueueTimeout: time.Hour})
		a := from("2001:db8:1:2::1", "")
		if err := h.acquire(a); err != nil {
			t.Fatal(err)
		}
		queued := wait(t, h, a)
		sameSubnet := from("2001:db8:1:2::99", "")
		if err := h.acquire(sameSubnet); !errors.Is(err, ErrHasherBusy) {
			t.Fatalf("third caller of one /64 = %v; want ErrHasherBusy at once", err)
		}
		other := wait(t, h, from("203.0.113.9", ""))
		h.release(a)
		if err := <-queued; err != nil {
			t.Fatal(err)
		}
		h.release(a)
		if err := <-other; err != nil {
			t.Fatalf("another client, queued behind the capped one = %v; want its slot", err)
		}
		h.release(from("203.0.113.9", ""))
		if len(h.held) != 0 || h.running != 0 {
			t.Errorf("after every release: held %v, running %d; want nothing kept", h.held, h.running)
		}
	})
	t.Run("ErrThirdForOneAccount", func(t *testing.T) {
		h := NewHasher(cheapParams, HashLimits{Concurrency: 1, QueueLength: 10, QueueTimeout: time.Hour})
		first, second := from("198.51.100.1", "alice"), from("198.51.100.2", "alice")
		if err := h.acquire(first); err != nil {
			t.Fatal(err)
		}
		queued := wait(t, h, second)
		if err := h.acquire(from("198.51.100.3", "alice")); !errors.Is(err, ErrHasherBusy) {
			t.Fatalf("third caller for one account = %v; want ErrHasherBusy", err)
		}
		bob := wait(t, h, from("198.51.100.3", "bob"))
		h.release(first)
		<-queued
		h.release(second)
		<-bob
		h.release(from("198.51.100.3", "bob"))
		if len(h.held) != 0 {
			t.Errorf("held = %v after every release; want empty", h.held)
		}
	})
	t.Run("OKTimedOutWaiterLeavesNoTrace", func(t *testing.T) {
		h := NewHasher(cheapParams, HashLimits{Concurrency: 1, QueueTimeout: time.Millisecond})
		a := from("192.0.2.1", "")
		if err := h.acquire(a); err != nil {
			t.Fatal(err)
		}
		if err := h.acquire(from("192.0.2.2", "")); !errors.Is(err, ErrHasherBusy) {
			t.Fatalf("acquire = %v; want ErrHasherBusy after the queue timeout", err)
		}
		h.release(a)
		if len(h.held) != 0 || h.QueueDepth() != 0 || h.running != 0 {
			t.Errorf("held %v, queue %d, running %d; want nothing kept", h.held, h.QueueDepth(), h.running)
		}
	})
}

func TestFairQueueTakesTurns(t *testing.T) {
	q := newFairQueue()
	var all []*waiter
	for _, c := range []string{"a", "a", "a", "b", "c", "b"} {
		w := &waiter{client: c}
		all = append(all, w)
		q.push(w)
	}
	q.remove(all[4]) // c gave up
	var got string
	for w := q.pop(); w != nil; w = q.pop() {
		got += w.client
	}
	if got != "ababa" {
		t.Errorf("served %q; want abab then a", got)
	}
	if q.len != 0 || len(q.byClient) != 0 || len(q.turns) != 0 {
		t.Errorf("queue not empty after serving everyone: %+v", q)
	}
}
