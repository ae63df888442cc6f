package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Argon2Params are argon2id cost parameters.
type Argon2Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLen     uint32 // bytes
	KeyLen      uint32 // bytes
}

// DefaultArgon2Params meets OWASP's minimum: m=19456 KiB, t=2, p=1, 16-byte salt, 32-byte key.
var DefaultArgon2Params = Argon2Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// ErrHasherBusy is returned when the queue for a hashing slot is full, when no slot frees up
// within the queue timeout, or when the context ends first.
var ErrHasherBusy = errors.New("account: password hasher busy")

var errInvalidHash = errors.New("account: invalid password hash")

// Limits on parameters read from a stored hash, so that a corrupt one is refused
// instead of making Verify allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB  = 4 << 20 // 4 GiB
	maxIterations = 100
	minSaltLen    = 8 // the argon2 specification's minimums
	minKeyLen     = 4
	maxSaltLen    = 1024
	maxKeyLen     = 1024
)

var b64 = base64.RawStdEncoding.Strict()

func (p Argon2Params) validate() error {
	switch {
	case p.Parallelism == 0:
		return errors.New("parallelism must be at least 1")
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of range [8*p, %d]", p.Memory, maxMemoryKiB)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d out of range [1, %d]", p.Iterations, maxIterations)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range [%d, %d]", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range [%d, %d]", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

func encodeHash(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decodeHash(encoded string) (p Argon2Params, salt, key []byte, err error) {
	bad := func(format string, args ...any) (Argon2Params, []byte, []byte, error) {
		return Argon2Params{}, nil, nil, fmt.Errorf("%w: "+format, append([]any{errInvalidHash}, args...)...)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=..$m=..,t=..,p=..$salt$key")
	}
	if parts[1] != "argon2id" {
		return bad("unsupported algorithm %q", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version %q", parts[2])
	}
	costs := strings.Split(parts[3], ",")
	if len(costs) != 3 {
		return bad("want m=..,t=..,p=..")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		digits, ok := strings.CutPrefix(costs[i], name+"=")
		bits := 32
		if name == "p" {
			bits = 8
		}
		if vals[i], err = strconv.ParseUint(digits, 10, bits); !ok || err != nil {
			return bad("bad %s parameter %q", name, costs[i])
		}
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return bad("salt: %v", err)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return bad("key: %v", err)
	}
	p = Argon2Params{
		Memory: uint32(vals[0]), Iterations: uint32(vals[1]), Parallelism: uint8(vals[2]),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key)),
	}
	if err := p.validate(); err != nil {
		return bad("%v", err)
	}
	return p, salt, key, nil
}

// randomBytes relies on crypto/rand.Read never failing (guaranteed since Go 1.24).
func randomBytes(n uint32) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// HashLimits bound the memory password hashing can take: each argon2id computation holds
// Argon2Params.Memory KiB (19 MiB by default), so a flood of logins must queue, not pile up.
type HashLimits struct {
	Concurrency  int           // computations at once; GOMAXPROCS when <= 0
	QueueLength  int           // callers that may wait for a slot, beyond which they are refused at once; no limit when <= 0
	QueueTimeout time.Duration // longest wait for a slot; only the caller's context when <= 0
}

// Hasher hashes and verifies passwords, bounding how many argon2id computations run at once and
// how many callers wait for one; a caller it cannot serve in time gets ErrHasherBusy. Slots go
// round-robin among clients, and no client or account holds more than maxPerHashKey of them.
type Hasher struct {
	params       Argon2Params
	concurrency  int
	queueLength  int
	queueTimeout time.Duration
	mu           sync.Mutex
	running      int
	held         map[string]int // running or waiting, per client and account key; no zero entries
	queue        fairQueue
	dummy        func() (string, error)
}

// NewHasher returns a Hasher for the given parameters and limits.
func NewHasher(p Argon2Params, limits HashLimits) *Hasher {
	if limits.Concurrency <= 0 {
		limits.Concurrency = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{
		params:       p,
		concurrency:  limits.Concurrency,
		queueLength:  limits.QueueLength,
		queueTimeout: limits.QueueTimeout,
		held:         make(map[string]int),
		queue:        newFairQueue(),
	}
	h.dummy = sync.OnceValues(h.makeDummy)
	return h
}

// Hash returns the argon2id hash of password's NFKC form in PHC string form, with a fresh random
// salt: NIST SP 800-63B asks for it, so that a password typed on another keyboard still matches.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.params.validate(); err != nil {
		return "", fmt.Errorf("account: hasher parameters: %w", err)
	}
	salt := randomBytes(h.params.SaltLen)
	key, err := h.derive(ctx, norm.NFKC.String(password), salt, h.params)
	if err != nil {
		return "", err
	}
	return encodeHash(h.params, salt, key), nil
}

// Verify reports whether password matches encoded and, if it does, whether encoded should be
// replaced by a fresh Hash: it was made with parameters other than h's, or, before Hash
// normalised passwords, from a password whose NFKC form differs.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok bool, needsRehash bool, err error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	nfkc := norm.NFKC.String(password)
	got, err := h.derive(ctx, nfkc, salt, p)
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(got, want) == 1 {
		return true, p != h.params, nil
	}
	if nfkc == password {
		return false, false, nil
	}
	if got, err = h.derive(ctx, password, salt, p); err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok, nil
}

// DummyVerify costs what Verify of a wrong password costs, so that a login for an unknown
// account takes as long as one for a known account; it fails the same way when busy, too.
func (h *Hasher) DummyVerify(ctx context.Context, password string) error {
	encoded, err := h.dummy()
	if err != nil {
		return err
	}
	_, _, err = h.Verify(ctx, password, encoded)
	return err
}

// makeDummy uses a random key in place of a real one: Verify's cost does not depend on
// the key it compares against, and no password can match it.
func (h *Hasher) makeDummy() (string, error) {
	if err := h.params.validate(); err != nil {
		return "", err
	}
	return encodeHash(h.params, randomBytes(h.params.SaltLen), randomBytes(h.params.KeyLen)), nil
}

// QueueDepth returns how many goroutines are waiting for a hashing slot.
func (h *Hasher) QueueDepth() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.queue.len
}

func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Argon2Params) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer h.release(ctx)
	return argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen), nil
}
