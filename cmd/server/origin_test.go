package main

import (
	"strings"
	"testing"
	"time"

	"latchkey/email/emailtest"
)

// TestOneOriginByDefault: without FRONTEND_URL, the banner's pages and the mailed links name
// the same origin, the one the server listens on (the port PORT=0 opened); with a wildcard
// HOST it is localhost, and the log says so.
func TestOneOriginByDefault(t *testing.T) {
	for name, tc := range map[string]struct {
		host, origin string // origin: the scheme and host the links must start with, before the port
		warned       bool
	}{
		"Loopback": {"127.0.0.1", "http://127.0.0.1:", false},
		"Wildcard": {"0.0.0.0", "http://localhost:", true},
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
			p.URL = "http://127.0.0.1:" + port
			registerAndForget(t, p)
			m := srv.Wait(t, 1, 10*time.Second)[0]
			emailtest.ExtractLink(t, m.Parsed.Text, origin+"/reset-password#token=")
			if warned := strings.Contains(p.Logs(), "links in mails point at "+origin); warned != tc.warned {
				t.Errorf("warning about localhost links = %v, want %v:\n%s", warned, tc.warned, p.Logs())
			}
		})
	}
}
