package account

import (
	"context"
	"testing"
	"time"

	"latchkey/ent"
)

// Benchmarks of the functions on the hot paths (BenchmarkArgon2Hash and BenchmarkArgon2Verify are
// in password_test.go); go run ./cmd/loadtest measures the whole server.

func BenchmarkNewResetToken(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewResetToken()
	}
}

func BenchmarkHashResetToken(b *testing.B) {
	token, _ := NewResetToken()
	b.ReportAllocs()
	for b.Loop() {
		HashResetToken(token)
	}
}

// tokenAlgorithms are the algorithms the access-token benchmarks compare.
var tokenAlgorithms = []string{"HS256", "EdDSA", "ES256"}

// BenchmarkAccessTokenSign issues a session: the signed access token and the device token.
func BenchmarkAccessTokenSign(b *testing.B) {
	for _, alg := range tokenAlgorithms {
		b.Run(alg, func(b *testing.B) {
			s := newTestService(b, signedWith(b, alg))
			u := &ent.User{ID: 42, SessionVersion: 3}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.tokenOnly(u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAccessTokenVerify checks a token in full, as a token not yet in the cache is.
func BenchmarkAccessTokenVerify(b *testing.B) {
	for _, alg := range tokenAlgorithms {
		b.Run(alg, func(b *testing.B) {
			s := newTestService(b, signedWith(b, alg))
			sess, err := s.tokenOnly(&ent.User{ID: 42, SessionVersion: 3})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.parseAccessToken(sess.AccessToken); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkArgon2VerifyParallel runs as many verifications at once as the hasher allows
// (GOMAXPROCS): its throughput is the machine's login ceiling.
func BenchmarkArgon2VerifyParallel(b *testing.B) {
	h := NewHasher(DefaultArgon2Params, HashLimits{QueueTimeout: time.Minute})
	encoded := mustHash(b, h, "correct horse battery staple")
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _, err := h.Verify(ctx, "correct horse battery staple", encoded); !ok || err != nil {
				b.Errorf("Verify = %v, %v", ok, err)
				return
			}
		}
	})
}
