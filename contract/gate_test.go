package contract_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"latchkey/account"
	"latchkey/app/apptest"
)

// behindProxy lets tests choose the client address with X-Forwarded-For.
var behindProxy = map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}

func loginFromWithDevice(tb testing.TB, env *apptest.Env, ip, email, password, device string) *apptest.Response {
	tb.Helper()
	vars := map[string]any{"e": email, "p": password, "d": nil}
	if device != "" {
		vars["d"] = device
	}
	return queryFrom(tb, env, ip, apptest.LoginDeviceMutation, vars)
}

// TestOnePasswordOperationPerRequest: a request holding more than one field that checks or hashes
// a password is refused whole, before any of them runs, so aliases cannot multiply guesses.
func TestOnePasswordOperationPerRequest(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	const want = "Send one password operation per request"

	t.Run("ErrAliasedLogins", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("mutation {")
		for i := range 140 {
			fmt.Fprintf(&b, ` g%d: login(input: {email: "alice@example.com", password: "guess-number-%d"}) { accessToken }`, i, i)
		}
		b.WriteString("}")
		r := env.Query(t, "", b.String(), nil)
		wantError(t, r, "BAD_USER_INPUT", "", want)
		if r.Data != nil {
			t.Errorf("data = %v, want none: nothing may run", r.Data)
		}
		// None of the 140 guesses counted: five failures still pass before the delay.
		for i := range 5 {
			wantError(t, login(t, env, "alice@example.com", "wrong-password-1"), "UNAUTHENTICATED", "", "")
			_ = i
		}
		wantRateLimited(t, login(t, env, "alice@example.com", "wrong-password-1"))
	})
	t.Run("ErrTwoChangesNothingChanged", func(t *testing.T) {
		q := `mutation($c:String!){
			a: changePassword(input:{currentPassword:$c,newPassword:"second-password-2"}){message}
			b: changePassword(input:{currentPassword:$c,newPassword:"third-password-3"}){message}}`
		wantError(t, env.Query(t, s.AccessToken, q, map[string]any{"c": "first-password-1"}), "BAD_USER_INPUT", "", want)
		if got := meEmail(t, env, s.AccessToken); got != "alice@example.com" {
			t.Errorf("the session was revoked: a change ran")
		}
	})
	t.Run("ErrThroughFragments", func(t *testing.T) {
		q := `mutation { ...A ... on Mutation { deleteAccount(input:{password:"x"}) { message } } }
			fragment A on Mutation { register(input:{username:"bob",email:"bob@example.com",password:"first-password-1"}) { accessToken } }`
		wantError(t, env.Query(t, s.AccessToken, q, nil), "BAD_USER_INPUT", "", want)
		if r := login(t, env, "bob@example.com", "first-password-1"); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("bob was registered: %s", r.Body)
		}
	})
	t.Run("OKOneWithOthers", func(t *testing.T) {
		q := `mutation { forgotPassword(input:{email:"alice@example.com"}){message} register(input:{username:"carol",email:"carol@example.com",password:"first-password-1"}){accessToken} }`
		wantOK(t, env.Query(t, "", q, nil))
	})
}

// TestPasswordChecksThrottledLikeLogin: changePassword and deleteAccount check the current
// password through the login throttles: a session's wrong guesses slow it down, and they spend
// the client's login allowance.
func TestPasswordChecksThrottledLikeLogin(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	for range 5 {
		wantError(t, changePassword(t, env, s.AccessToken, "wrong-password-1", "second-password-2"), "BAD_USER_INPUT", "currentPassword", "Current password is incorrect")
	}
	t.Run("ChangeWaitsEvenWithRightPassword", func(t *testing.T) {
		wantRateLimited(t, changePassword(t, env, s.AccessToken, "first-password-1", "second-password-2"))
	})
	t.Run("DeleteThroughTheSameGate", func(t *testing.T) {
		wantRateLimited(t, env.Query(t, s.AccessToken, apptest.DeleteMutation, map[string]any{"p": "first-password-1"}))
	})
	t.Run("OwnerLoginUnaffected", func(t *testing.T) {
		env.Login(t, "alice@example.com", "first-password-1")
	})
	t.Run("AfterTheDelay", func(t *testing.T) {
		env.Clock.Advance(time.Minute)
		wantOK(t, changePassword(t, env, s.AccessToken, "first-password-1", "second-password-2"))
	})

	t.Run("SpendsTheLoginAllowance", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: map[string]string{
			"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_LOGIN_PER_MINUTE": "3", "RATE_LIMIT_REGISTER_PER_MINUTE": "10"}})
		s := env.Register(t, "bob", "bob@example.com", "first-password-1")
		for range 3 {
			wantError(t, env.Query(t, s.AccessToken, apptest.DeleteMutation, map[string]any{"p": "wrong-password-1"}), "BAD_USER_INPUT", "password", "")
		}
		wantRateLimited(t, changePassword(t, env, s.AccessToken, "first-password-1", "second-password-2"))
		wantRateLimited(t, login(t, env, "bob@example.com", "first-password-1"))
	})
}

// TestNoLockoutByStrangers: guesses from many clients slow the address down for clients without
// a device token, but never the owner's own client, and a password reset lifts the slow-down.
func TestNoLockoutByStrangers(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: behindProxy})
	const owner = "203.0.113.9"
	var first apptest.Session
	loginFromWithDevice(t, env, owner, "alice@example.com", "x", "") // no account yet: no effect
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	env.Register(t, "bob", "bob@example.com", "first-password-1")
	r := loginFromWithDevice(t, env, owner, "alice@example.com", "first-password-1", "")
	r.Decode(t, "login", &first)
	if first.DeviceToken == "" {
		t.Fatal("the session has no device token")
	}
	bobs := env.Login(t, "bob@example.com", "first-password-1").DeviceToken

	stranger := func(n int) {
		for i := range n {
			loginFromWithDevice(t, env, fmt.Sprintf("192.0.2.%d", i+1), "alice@example.com", "wrong-password-1", "")
		}
	}
	stranger(40)
	t.Run("UntrustedClientsSlowed", func(t *testing.T) {
		wantRateLimited(t, loginFromWithDevice(t, env, "198.51.100.20", "alice@example.com", "first-password-1", ""))
	})
	t.Run("OwnerWithDeviceToken", func(t *testing.T) {
		for range 3 { // a stranger sending a guess a minute never keeps the owner out
			env.Clock.Advance(time.Minute)
			stranger(1)
			wantOK(t, loginFromWithDevice(t, env, owner, "alice@example.com", "first-password-1", first.DeviceToken))
		}
	})
	t.Run("ErrDeviceTokenOfAnotherAccount", func(t *testing.T) {
		stranger(1)
		wantRateLimited(t, loginFromWithDevice(t, env, owner, "alice@example.com", "first-password-1", bobs))
	})
	t.Run("ErrForgedDeviceToken", func(t *testing.T) {
		forged := first.DeviceToken[:len(first.DeviceToken)-2] + "xx"
		wantRateLimited(t, loginFromWithDevice(t, env, owner, "alice@example.com", "first-password-1", forged))
	})
	t.Run("DeviceSlowedByItsOwnFailures", func(t *testing.T) {
		env.Clock.Advance(time.Minute)
		dev := env.Login(t, "bob@example.com", "first-password-1").DeviceToken
		for range 5 {
			wantError(t, loginFromWithDevice(t, env, owner, "bob@example.com", "wrong-password-1", dev), "UNAUTHENTICATED", "", "")
		}
		wantRateLimited(t, loginFromWithDevice(t, env, owner, "bob@example.com", "first-password-1", dev))
	})
	t.Run("ResetLiftsTheSlowDown", func(t *testing.T) {
		stranger(5)
		wantRateLimited(t, loginFromWithDevice(t, env, "198.51.100.21", "alice@example.com", "first-password-1", ""))
		before := env.SMTP.Count()
		wantOK(t, forgot(t, env, "alice@example.com"))
		token := env.ResetTokenFromMail(t, before+1)
		wantOK(t, reset(t, env, token, "second-password-2"))
		wantOK(t, loginFromWithDevice(t, env, "198.51.100.22", "alice@example.com", "second-password-2", ""))
	})
}

// TestLoginFailuresSharedByReplicas: two servers on one database count one address's failures
// together, so running more replicas gives a guesser no more tries.
func TestLoginFailuresSharedByReplicas(t *testing.T) {
	a := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: behindProxy})
	b := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: behindProxy, DatabaseURL: a.DatabaseURL})
	a.Register(t, "alice", "alice@example.com", "first-password-1")
	for i := range 5 {
		env := []*apptest.Env{a, b}[i%2]
		wantError(t, loginFromWithDevice(t, env, "198.51.100.7", "alice@example.com", "wrong-password-1", ""), "UNAUTHENTICATED", "", "")
	}
	wantRateLimited(t, loginFromWithDevice(t, b, "198.51.100.7", "alice@example.com", "first-password-1", ""))
	wantRateLimited(t, loginFromWithDevice(t, a, "198.51.100.7", "alice@example.com", "first-password-1", ""))
}

// slowHashing makes one argon2id run take long enough that the tests below can see the hasher
// full; it costs time, not memory.
var slowHashing = account.Argon2Params{Memory: 8 * 1024, Iterations: 60, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// TestBusyHasherSameAnswer: while the hasher is full, a login for a known address and one for an
// unknown address get the same answer, so a flood cannot be used to tell who has an account.
func TestBusyHasherSameAnswer(t *testing.T) {
	first := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	first.Register(t, "alice", "alice@example.com", "first-password-1")
	first.Stop()
	env := apptest.Start(t, apptest.Setup{Argon2: slowHashing, DatabaseURL: first.DatabaseURL, Env: map[string]string{
		"TRUSTED_PROXIES": "127.0.0.1/32", "PASSWORD_HASH_CONCURRENCY": "1", "PASSWORD_HASH_QUEUE_LENGTH": "1",
		"PASSWORD_HASH_QUEUE_TIMEOUT_MS": "30000"}})

	// A flood from ever new clients and addresses keeps the hasher full (one hashes, one waits),
	// unthrottled: each guess is its client's and its address's first.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var n atomic.Int64
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := n.Add(1)
				loginFromWithDevice(t, env, fmt.Sprintf("198.51.%d.%d", i>>8&255, i&255), fmt.Sprintf("flood%d@example.com", i), "wrong-password-1", "")
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	// The queue can empty for a moment between two guesses; a probe that finds room is hashed
	// and proves nothing, so the pair is tried again, a few times at most.
	for attempt := 1; ; attempt++ {
		deadline := time.Now().Add(10 * time.Second)
		for env.App.Accounts.Hasher().QueueDepth() < 1 {
			if time.Now().After(deadline) {
				t.Fatal("the hasher never filled up")
			}
			time.Sleep(time.Millisecond)
		}
		known := loginFromWithDevice(t, env, fmt.Sprintf("203.0.113.%d", 2*attempt), "alice@example.com", "first-password-1", "")
		unknown := loginFromWithDevice(t, env, fmt.Sprintf("203.0.113.%d", 2*attempt+1), "nobody@example.com", "first-password-1", "")
		if isRateLimited(known) && isRateLimited(unknown) || attempt == 5 {
			wantRateLimited(t, known)
			sameError(t, known, unknown)
			return
		}
	}
}

func isRateLimited(r *apptest.Response) bool {
	return len(r.Errors) == 1 && r.Errors[0].Extensions["code"] == "RATE_LIMITED"
}

// TestFailedLoginRecordsBounded: failing logins from many clients, for many addresses, never
// leave more failed-login records than the bound, and the newest are the ones kept.
func TestFailedLoginRecordsBounded(t *testing.T) {
	const bound, clients = 200, 1500
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing, Env: behindProxy, ThrottleEntries: bound})
	db := env.OpenDB(t)
	for i := range clients {
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		r := loginFromWithDevice(t, env, ip, fmt.Sprintf("guess%d@example.com", i), "wrong-password-1", "")
		wantError(t, r, "UNAUTHENTICATED", "", "")
		if n := count(t, db, `SELECT COUNT(*) FROM login_failures`); n > bound {
			t.Fatalf("%d failed-login records after %d clients, want at most %d", n, i+1, bound)
		}
	}
	// The last client's failures are still counted: five more and it waits.
	last := fmt.Sprintf("10.%d.%d.%d", (clients-1)>>16&255, (clients-1)>>8&255, (clients-1)&255)
	for range 4 {
		wantError(t, loginFromWithDevice(t, env, last, fmt.Sprintf("guess%d@example.com", clients-1), "wrong-password-1", ""), "UNAUTHENTICATED", "", "")
	}
	wantRateLimited(t, loginFromWithDevice(t, env, last, fmt.Sprintf("guess%d@example.com", clients-1), "wrong-password-1", ""))
}
