package main

import (
	"strings"
	"testing"
	"time"

	"latchkey/email/emailtest"
)

// TestOneOriginByDefault: without FRONTEND_URL, the banner's pages and the mailed links name
// the same origin, the one the server listens on (the port PORT=0 opened). A wildcard HOST
// needs FRONTEND_URL set: config's TestFrontendURLRequiredWhereTheListenAddressIsNotTheSite.
func TestOneOriginByDefault(t *testing.T) {
	for name, tc := range map[string]struct {
		host, origin string // origin: the scheme and host the links must start with, before the port
	}{
		"Loopback": {"127.0.0.1", "http://127.0.0.1:"},
		"IPv6":     {"::1", "http://[::1]:"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			srv := emailtest.Start(t, emailtest.Options{})
			env := mailEnv(dir, srv)
			env["HOST"] = tc.host
			p := startServer(t, dir, env)
			port := p.URL[strings.LastIndex(p.URL, ":")+1:]
			origin := tc.origin + port
			if p.Banner["pages"] != origin+"/" || p.Banner["graphql"] != origin+"/graphql" {
				t.Errorf("banner pages %q, graphql %q; want them at %s", p.Banner["pages"], p.Banner["graphql"], origin)
			}
			p.URL = origin
			registerAndForget(t, p)
			m := srv.Wait(t, 1, 10*time.Second)[0]
			emailtest.ExtractLink(t, m.Parsed.Text, origin+"/reset-password#token=")
		})
	}
}
