package config_test

import (
	"slices"
	"strings"
	"testing"
)

// TestFrontendURLFromHostAndPort: without FRONTEND_URL the links name the address the server
// listens on, so that the banner, the mails and the pages agree on one origin.
func TestFrontendURLFromHostAndPort(t *testing.T) {
	for name, tt := range map[string]struct {
		vars map[string]string
		want string
	}{
		"Defaults":       {nil, "http://127.0.0.1:8000"},
		"HostAndPort":    {map[string]string{"HOST": "accounts.internal", "PORT": "9000"}, "http://accounts.internal:9000"},
		"IPv6":           {map[string]string{"HOST": "::1", "PORT": "8001"}, "http://[::1]:8001"},
		"IPv6Zone":       {map[string]string{"HOST": "fe80::1%eth0"}, "http://[fe80::1%25eth0]:8000"},
		"WildcardIPv4":   {map[string]string{"HOST": "0.0.0.0"}, "http://localhost:8000"},
		"WildcardIPv6":   {map[string]string{"HOST": "::", "PORT": "8080"}, "http://localhost:8080"},
		"ExplicitWins":   {map[string]string{"HOST": "0.0.0.0", "FRONTEND_URL": "https://accounts.example.com/"}, "https://accounts.example.com"},
		"ProductionSame": {map[string]string{"APP_ENV": "production", "SECRET_KEY": testKey, "MAIL_SERVER": "smtp.example.com"}, "http://127.0.0.1:8000"},
	} {
		t.Run(name, func(t *testing.T) {
			c := mustLoad(t, tt.vars)
			if c.Account.FrontendURL != tt.want {
				t.Errorf("FrontendURL = %q, want %q", c.Account.FrontendURL, tt.want)
			}
			if derived := tt.vars["FRONTEND_URL"] == ""; c.FrontendURLDerived != derived {
				t.Errorf("FrontendURLDerived = %v, want %v", c.FrontendURLDerived, derived)
			}
		})
	}
}

// TestFrontendURLFollowsOpenedPort: with PORT=0 the derived URL is the port the server opened;
// one that was set stays as it was.
func TestFrontendURLFollowsOpenedPort(t *testing.T) {
	c := mustLoad(t, map[string]string{"PORT": "0"})
	c.Listening(43210)
	if c.Account.FrontendURL != "http://127.0.0.1:43210" {
		t.Errorf("FrontendURL = %q after listening on 43210", c.Account.FrontendURL)
	}
	c = mustLoad(t, map[string]string{"PORT": "0", "FRONTEND_URL": "https://accounts.example.com"})
	c.Listening(43210)
	if c.Account.FrontendURL != "https://accounts.example.com" {
		t.Errorf("a set FRONTEND_URL became %q", c.Account.FrontendURL)
	}
}

// TestWildcardHostWarns: links to localhost work only on the server's machine, which an
// operator listening on every interface should be told.
func TestWildcardHostWarns(t *testing.T) {
	hasWarning := func(vars map[string]string) bool {
		return slices.ContainsFunc(mustLoad(t, vars).Warnings(), func(w string) bool {
			return strings.Contains(w, "FRONTEND_URL is not set: links in mails point at http://localhost:8000")
		})
	}
	if !hasWarning(map[string]string{"HOST": "0.0.0.0"}) || !hasWarning(map[string]string{"HOST": "::"}) {
		t.Error("no warning for a wildcard HOST without FRONTEND_URL")
	}
	if hasWarning(nil) || hasWarning(map[string]string{"HOST": "0.0.0.0", "FRONTEND_URL": "https://accounts.example.com"}) {
		t.Error("a warning without a wildcard HOST, or with FRONTEND_URL set")
	}
}
