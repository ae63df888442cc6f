package account

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// maxPerHashKey is how many hashing slots and queue places one client (IPv6: its /64) or one
// account may hold at once, running or waiting, so that a flood from one of them cannot fill
// the queue that everyone else's logins wait in.
const maxPerHashKey = 2

type hashAccountKey struct{}

// withHashAccount names the account a password check is for, so the hasher caps it too. key is
// kept in memory as given: the caller passes a throttle key (an HMAC), never an address.
func withHashAccount(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, hashAccountKey{}, key)
}

// hashKeys returns the queue the caller waits in and every key whose share it spends. Without a
// client address (the command line) there is no per-client cap.
func hashKeys(ctx context.Context) (client string, keys []string) {
	if ip := clientIP(ctx); ip != "" {
		client = "ip|" + limitKey(ip)
		keys = append(keys, client)
	}
	if acct, _ := ctx.Value(hashAccountKey{}).(string); acct != "" {
		keys = append(keys, "account|"+acct)
	}
	return client, keys
}

// acquire takes a hashing slot; every successful call must be followed by release with the same ctx.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrHasherBusy, context.Cause(ctx))
	}
	client, keys := hashKeys(ctx)
	h.mu.Lock()
	for _, k := range keys {
		if h.held[k] >= maxPerHashKey {
			h.mu.Unlock()
			return ErrHasherBusy
		}
	}
	if h.running < h.concurrency && h.queue.len == 0 {
		h.running++
		h.hold(keys, 1)
		h.mu.Unlock()
		return nil
	}
	if h.queueLength > 0 && h.queue.len >= h.queueLength {
		h.mu.Unlock()
		return ErrHasherBusy
	}
	w := &waiter{client: client, ready: make(chan struct{})}
	h.queue.push(w)
	h.hold(keys, 1)
	h.mu.Unlock()

	var timeout <-chan time.Time
	if h.queueTimeout > 0 {
		timer := time.NewTimer(h.queueTimeout)
		defer timer.Stop()
		timeout = timer.C
	}
	var err error
	select {
	case <-w.ready:
		return nil
	case <-timeout:
		err = ErrHasherBusy
	case <-ctx.Done():
		err = fmt.Errorf("%w: %w", ErrHasherBusy, context.Cause(ctx))
	}
	h.mu.Lock()
	granted := w.granted
	if !granted {
		h.queue.remove(w)
		h.hold(keys, -1)
	}
	h.mu.Unlock()
	if granted { // the slot came as we gave up: pass it on
		h.release(ctx)
	}
	return err
}

// release gives the slot to the next waiter in turn, or frees it.
func (h *Hasher) release(ctx context.Context) {
	_, keys := hashKeys(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold(keys, -1)
	if w := h.queue.pop(); w != nil {
		w.granted = true
		close(w.ready)
		return
	}
	h.running--
}

// hold counts d more slots or places for each key, forgetting a key whose count is back to zero.
func (h *Hasher) hold(keys []string, d int) {
	for _, k := range keys {
		if n := h.held[k] + d; n > 0 {
			h.held[k] = n
		} else {
			delete(h.held, k)
		}
	}
}

type waiter struct {
	client  string
	ready   chan struct{} // closed when the slot is handed over
	granted bool
}

// fairQueue serves clients in turn, each client's callers in arrival order, so that a client
// that just arrived waits for one caller of each other client, not for all of them.
type fairQueue struct {
	byClient map[string][]*waiter
	turns    []string // clients with waiters, next first; each once
	len      int
}

func newFairQueue() fairQueue { return fairQueue{byClient: make(map[string][]*waiter)} }

func (q *fairQueue) push(w *waiter) {
	if len(q.byClient[w.client]) == 0 {
		q.turns = append(q.turns, w.client)
	}
	q.byClient[w.client] = append(q.byClient[w.client], w)
	q.len++
}

func (q *fairQueue) pop() *waiter {
	if len(q.turns) == 0 {
		return nil
	}
	c := q.turns[0]
	q.turns = q.turns[1:]
	ws := q.byClient[c]
	w := ws[0]
	if len(ws) == 1 {
		delete(q.byClient, c)
	} else {
		q.byClient[c] = ws[1:]
		q.turns = append(q.turns, c)
	}
	q.len--
	return w
}

func (q *fairQueue) remove(w *waiter) {
	ws := q.byClient[w.client]
	i := slices.Index(ws, w)
	if i < 0 {
		return
	}
	q.len--
	if ws = slices.Delete(ws, i, i+1); len(ws) > 0 {
		q.byClient[w.client] = ws
		return
	}
	delete(q.byClient, w.client)
	q.turns = slices.DeleteFunc(q.turns, func(c string) bool { return c == w.client })
}
