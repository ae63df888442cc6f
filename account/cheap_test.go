package account

import (
	"context"
	"testing"
	"time"
)

// TestCheapPathsSkipHashing: with every hashing slot taken, forgotPassword, checkResetToken and
// me still answer at once, because none of them computes argon2id; login is refused, which shows
// the slots really were taken.
func TestCheapPathsSkipHashing(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t, func(c *Config) { c.HashLimits = HashLimits{Concurrency: 1, QueueTimeout: time.Millisecond} })
	u, err := s.CreateUser(ctx, "alice", "alice@example.com", "alice password 1")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.startSession(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.hasher.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.hasher.release(ctx)

	t.Run("OKForgotPassword", func(t *testing.T) {
		for _, email := range []string{"alice@example.com", "nobody@example.com"} {
			if _, err := s.ForgotPassword(ctx, email); err != nil {
				t.Errorf("ForgotPassword(%s) = %v", email, err)
			}
		}
	})
	t.Run("OKCheckResetToken", func(t *testing.T) {
		token, _ := NewResetToken()
		if _, _, err := s.CheckResetToken(ctx, token); err != nil {
			t.Errorf("CheckResetToken = %v", err)
		}
	})
	t.Run("OKMe", func(t *testing.T) {
		if _, err := s.CurrentUser(WithAccessToken(ctx, sess.AccessToken)); err != nil {
			t.Errorf("CurrentUser = %v", err)
		}
	})
	t.Run("ErrLoginRateLimited", func(t *testing.T) {
		if _, err := s.Login(ctx, "alice@example.com", "alice password 1", ""); ErrorCode(err) != CodeRateLimited {
			t.Errorf("Login with no hashing slot = %v, want RATE_LIMITED", err)
		}
	})
}
