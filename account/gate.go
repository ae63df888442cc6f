package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"latchkey/ent"
)

// passwordCheck is one request's wish to check a password against an address, known or not.
type passwordCheck struct {
	email    string    // canonical address
	user     *ent.User // nil when no account has the address
	password string
	device   string // the device token the client presented, if any
	signedIn bool   // made with the account's access token (changePassword, deleteAccount)
}

// verifyPassword is the one gate every password check goes through: the client's allowance,
// the failure throttles, a fair share of the hasher, and the record of the outcome. It does the
// same work for an unknown address as for a known one, and fails the same way when busy.
// Errors: RATE_LIMITED.
func (s *Service) verifyPassword(ctx context.Context, c passwordCheck) (ok, needsRehash bool, err error) {
	if err := s.allow(ctx, opLogin); err != nil {
		return false, false, err
	}
	account := s.accountKey(c.email)
	keys := s.throttleKeys(ctx, account, c)
	wait, err := s.failures.begin(ctx, account, keys)
	if err != nil {
		return false, false, fmt.Errorf("begin password check: %w", err)
	}
	if wait > 0 {
		s.cfg.Observer.RateLimited("login_failures")
		return false, false, rateLimited(wait)
	}
	// The hasher's share is the account's for untrusted checks, so a flood on one address holds
	// two slots at most; a trusted check brings its own, which strangers cannot fill.
	ctx = withHashAccount(ctx, keys[len(keys)-1])
	if c.user == nil {
		err = s.hasher.DummyVerify(ctx, c.password)
	} else {
		ok, needsRehash, err = s.hasher.Verify(ctx, c.password, c.user.PasswordHash)
	}
	if err != nil {
		return false, false, s.hashError(err)
	}
	if !ok {
		if err := s.failures.failed(ctx, account, keys); err != nil {
			return false, false, fmt.Errorf("record failed password check: %w", err)
		}
		return false, false, nil
	}
	// A success forgets the failures it was throttled by: a trusted client's own, so that the
	// owner signing in on their device does not hand a stranger a fresh set of guesses.
	if err := s.failures.succeeded(ctx, keys); err != nil {
		s.log.WarnContext(ctx, "login failures not cleared", "error", err)
	}
	return true, needsRehash, nil
}

// throttleKeys are what a check is counted and throttled by. A trusted check (a valid device
// token for this address, or a signed-in session) only by its own failures, so that strangers
// cannot lock the owner out; any other by its client's failures and the address's.
func (s *Service) throttleKeys(ctx context.Context, account string, c passwordCheck) []string {
	switch {
	case c.signedIn:
		return []string{keySession + s.mac("session", accessToken(ctx))}
	case c.device != "":
		if id, ok := s.deviceID(c.device, account); ok {
			return []string{keyDevice + s.mac("device", id)}
		}
	}
	return []string{keyClient + s.mac("client", account, limitKey(clientIP(ctx))), keyAccount + account}
}

// accountKey names an address in throttle state without spelling it.
func (s *Service) accountKey(email string) string { return s.mac("account", email) }

// mac is a hex HMAC-SHA256 of parts under a key derived from the secret key for purpose.
func (s *Service) mac(purpose string, parts ...string) string {
	return keyedMAC(s.cfg.SecretKey, purpose, parts...)
}

func keyedMAC(secret []byte, purpose string, parts ...string) string {
	h := hmac.New(sha256.New, secret)
	fmt.Fprintf(h, "latchkey %s", purpose)
	for _, p := range parts {
		fmt.Fprintf(h, "\x00%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}
