package account

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// cheapParams keep tests fast; they are valid but far below DefaultArgon2Params.
var cheapParams = Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func mustHash(tb testing.TB, h *Hasher, password string) string {
	tb.Helper()
	encoded, err := h.Hash(context.Background(), password)
	if err != nil {
		tb.Fatalf("Hash: %v", err)
	}
	return encoded
}

func TestPasswordHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(DefaultArgon2Params, HashLimits{})
	encoded := mustHash(t, h, "correct horse battery staple")

	t.Run("OK", func(t *testing.T) {
		ok, rehash, err := h.Verify(ctx, "correct horse battery staple", encoded)
		if !ok || rehash || err != nil {
			t.Fatalf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		ok, rehash, err := h.Verify(ctx, "correct horse battery stapler", encoded)
		if ok || rehash || err != nil {
			t.Fatalf("Verify = %v, %v, %v; want false, false, nil", ok, rehash, err)
		}
	})
	t.Run("PHCFormat", func(t *testing.T) {
		const prefix = "$argon2id$v=19$m=19456,t=2,p=1$"
		if !strings.HasPrefix(encoded, prefix) {
			t.Fatalf("hash %q lacks prefix %q", encoded, prefix)
		}
		parts := strings.Split(encoded, "$")
		if len(parts[4]) != 22 || len(parts[5]) != 43 { // 16 and 32 bytes, unpadded base64
			t.Fatalf("salt %q or key %q has the wrong length", parts[4], parts[5])
		}
	})
	t.Run("SaltDiffers", func(t *testing.T) {
		if again := mustHash(t, h, "correct horse battery staple"); again == encoded {
			t.Fatalf("two hashes of one password are equal: %q", again)
		}
	})
}

func TestPasswordTamperedHash(t *testing.T) {
	h := NewHasher(cheapParams, HashLimits{})
	encoded := mustHash(t, h, "hunter2hunter2")
	for _, tc := range []struct {
		name string
		part int
	}{{"SaltChanged", 4}, {"KeyChanged", 5}} {
		t.Run(tc.name, func(t *testing.T) {
			parts := strings.Split(encoded, "$")
			raw, err := b64.DecodeString(parts[tc.part])
			if err != nil {
				t.Fatal(err)
			}
			raw[len(raw)/2] ^= 0x01
			parts[tc.part] = b64.EncodeToString(raw)
			ok, _, err := h.Verify(context.Background(), "hunter2hunter2", strings.Join(parts, "$"))
			if ok || err != nil {
				t.Fatalf("Verify = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

func TestPasswordMalformedHash(t *testing.T) {
	salt := b64.EncodeToString(make([]byte, 16))
	key := b64.EncodeToString(make([]byte, 32))
	for _, tc := range []struct{ name, encoded string }{
		{"ErrEmpty", ""},
		{"ErrWrongAlgorithm", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"ErrBcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"ErrVersion18", "$argon2id$v=18$m=19456,t=2,p=1$" + salt + "$" + key},
		{"ErrMissingVersion", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key},
		{"ErrMissingKey", "$argon2id$v=19$m=19456,t=2,p=1$" + salt},
		{"ErrExtraPart", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$x"},
		{"ErrNoLeadingDollar", "argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"ErrParamsOutOfOrder", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key},
		{"ErrParamsMissing", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key},
		{"ErrParamTrailingJunk", "$argon2id$v=19$m=19456,t=2,p=1x$" + salt + "$" + key},
		{"ErrNegativeParam", "$argon2id$v=19$m=-1,t=2,p=1$" + salt + "$" + key},
		{"ErrBadBase64Salt", "$argon2id$v=19$m=19456,t=2,p=1$!!!!$" + key},
		{"ErrBadBase64Key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key[:len(key)-1] + "*"},
		{"ErrPaddedBase64", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key},
		{"ErrHugeMemory", "$argon2id$v=19$m=4194305,t=1,p=1$" + salt + "$" + key},
		{"ErrMemoryOverflow", "$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key},
		{"ErrMemoryBelow8p", "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + key},
		{"ErrZeroIterations", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"ErrTooManyIterations", "$argon2id$v=19$m=19456,t=101,p=1$" + salt + "$" + key},
		{"ErrZeroParallelism", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"ErrParallelismOverflow", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key},
		{"ErrEmptySalt", "$argon2id$v=19$m=19456,t=2,p=1$$" + key},
		{"ErrEmptyKey", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$"},
		{"ErrHugeKey", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + b64.EncodeToString(make([]byte, 1025))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHasher(DefaultArgon2Params, HashLimits{Concurrency: 1, QueueTimeout: time.Millisecond})
			// With the only slot held, a hash that got as far as argon2 would fail with ErrHasherBusy instead.
			if err := h.acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer h.release(context.Background())
			ok, rehash, err := h.Verify(context.Background(), "password", tc.encoded)
			if ok || rehash || !errors.Is(err, errInvalidHash) {
				t.Fatalf("Verify = %v, %v, %v; want false, false, errInvalidHash", ok, rehash, err)
			}
		})
	}
}

func TestPasswordNeedsRehash(t *testing.T) {
	ctx := context.Background()
	current := NewHasher(DefaultArgon2Params, HashLimits{})
	for _, tc := range []struct {
		name   string
		params Argon2Params
		want   bool
	}{
		{"WeakerParams", Argon2Params{Memory: 4096, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, true},
		{"ShorterKey", Argon2Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 16}, true},
		{"CurrentParams", DefaultArgon2Params, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			encoded := mustHash(t, NewHasher(tc.params, HashLimits{}), "s3cret-enough")
			ok, rehash, err := current.Verify(ctx, "s3cret-enough", encoded)
			if !ok || rehash != tc.want || err != nil {
				t.Fatalf("Verify = %v, %v, %v; want true, %v, nil", ok, rehash, err, tc.want)
			}
		})
	}
}

func TestPasswordHasherConcurrency(t *testing.T) {
	t.Run("ErrHasherBusy", func(t *testing.T) {
		h := NewHasher(cheapParams, HashLimits{Concurrency: 1, QueueTimeout: time.Millisecond})
		if err := h.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, err := h.Hash(context.Background(), "long enough")
		if !errors.Is(err, ErrHasherBusy) {
			t.Fatalf("Hash with the only slot held = %v; want ErrHasherBusy", err)
		}
		if _, _, err := h.Verify(context.Background(), "long enough", mustHashWith(t, cheapParams)); !errors.Is(err, ErrHasherBusy) {
			t.Fatalf("Verify with the only slot held = %v; want ErrHasherBusy", err)
		}
		h.release(context.Background())
		if _, err := h.Hash(context.Background(), "long enough"); err != nil {
			t.Fatalf("Hash after release: %v", err)
		}
	})
	t.Run("ErrContextCancelledWhileWaiting", func(t *testing.T) {
		h := NewHasher(cheapParams, HashLimits{Concurrency: 1, QueueTimeout: time.Hour})
		if err := h.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer h.release(context.Background())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := h.Hash(ctx, "long enough")
			done <- err
		}()
		waitFor(t, func() bool { return h.QueueDepth() == 1 })
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) || !errors.Is(err, ErrHasherBusy) {
			t.Fatalf("Hash = %v; want ErrHasherBusy wrapping context.Canceled", err)
		}
		if d := h.QueueDepth(); d != 0 {
			t.Fatalf("QueueDepth = %d after the waiter left; want 0", d)
		}
	})
	t.Run("ErrQueueFull", func(t *testing.T) {
		h := NewHasher(cheapParams, HashLimits{Concurrency: 1, QueueLength: 1, QueueTimeout: time.Hour})
		if err := h.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		waiter := make(chan error)
		go func() {
			_, err := h.Hash(context.Background(), "long enough")
			waiter <- err
		}()
		waitFor(t, func() bool { return h.QueueDepth() == 1 })
		start := time.Now()
		if _, err := h.Hash(context.Background(), "long enough"); !errors.Is(err, ErrHasherBusy) {
			t.Fatalf("Hash with the queue full = %v; want ErrHasherBusy", err)
		}
		if waited := time.Since(start); waited > time.Minute {
			t.Fatalf("refused after %v; want at once, not after the queue timeout", waited)
		}
		h.release(context.Background())
		if err := <-waiter; err != nil {
			t.Fatalf("the queued caller got %v; want its hash", err)
		}
	})
	t.Run("ErrContextAlreadyDone", func(t *testing.T) {
		h := NewHasher(cheapParams, HashLimits{Concurrency: 1, QueueTimeout: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := h.Hash(ctx, "long enough"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Hash = %v; want context.Canceled", err)
		}
	})
	t.Run("OKManyCallers", func(t *testing.T) {
		h := NewHasher(cheapParams, HashLimits{Concurrency: 2, QueueTimeout: time.Minute})
		encoded := mustHash(t, h, "long enough")
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Go(func() {
				if ok, _, err := h.Verify(context.Background(), "long enough", encoded); !ok || err != nil {
					errs <- errors.Join(errors.New("verify failed"), err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestPasswordDummyVerify(t *testing.T) {
	h := NewHasher(cheapParams, HashLimits{Concurrency: 1, QueueTimeout: time.Minute})
	h.DummyVerify(context.Background(), "anything")
	encoded, err := h.dummy()
	if err != nil {
		t.Fatal(err)
	}
	p, _, _, err := decodeHash(encoded)
	if err != nil || p != cheapParams {
		t.Fatalf("dummy hash params = %+v, %v; want %+v", p, err, cheapParams)
	}
	if again, _ := h.dummy(); again != encoded {
		t.Fatal("dummy hash computed more than once")
	}
	if ok, _, _ := h.Verify(context.Background(), "anything", encoded); ok {
		t.Fatal("dummy hash matched a password")
	}
}

func mustHashWith(tb testing.TB, p Argon2Params) string {
	tb.Helper()
	return mustHash(tb, NewHasher(p, HashLimits{Concurrency: 1, QueueTimeout: time.Minute}), "long enough")
}

// waitFor polls cond, so tests wait on state rather than on a guess at timing.
func waitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

func BenchmarkArgon2Hash(b *testing.B) {
	h := NewHasher(DefaultArgon2Params, HashLimits{})
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkArgon2Verify(b *testing.B) {
	h := NewHasher(DefaultArgon2Params, HashLimits{})
	encoded := mustHash(b, h, "correct horse battery staple")
	for b.Loop() {
		if ok, _, err := h.Verify(context.Background(), "correct horse battery staple", encoded); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
