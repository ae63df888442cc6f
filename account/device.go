package account

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// A device token tells a login that this browser or app signed in to this address before, so
// that its checks are throttled on its own failures only (OWASP's device cookies). It is bound
// to the address by an HMAC and is no credential: the password is still checked.
const (
	deviceTokenPrefix   = "dt1"
	deviceTokenLifetime = 365 * 24 * time.Hour
)

// newDeviceToken returns a fresh device token for the address whose key is account.
func (s *Service) newDeviceToken(account string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	issued := strconv.FormatInt(s.now().Unix(), 10)
	return deviceTokenPrefix + "." + issued + "." + id + "." + s.mac("device token", account, issued, id)
}

// deviceID returns the id of a device token that is valid for account.
func (s *Service) deviceID(token, account string) (string, bool) {
	if len(token) > 200 {
		return "", false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 4 || parts[0] != deviceTokenPrefix {
		return "", false
	}
	issued, id, sig := parts[1], parts[2], parts[3]
	if !hmac.Equal([]byte(sig), []byte(s.mac("device token", account, issued, id))) {
		return "", false
	}
	unix, err := strconv.ParseInt(issued, 10, 64)
	if err != nil {
		return "", false
	}
	at := time.Unix(unix, 0)
	now := s.now()
	if at.After(now.Add(time.Minute)) || now.Sub(at) > deviceTokenLifetime {
		return "", false
	}
	return id, true
}
