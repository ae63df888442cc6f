package config_test

import (
	"strings"
	"testing"

	"latchkey/config"
)

// TestFrontendURLFromHostAndPort: without FRONTEND_URL the links name the address the server
// listens on, so that the banner, the mails and the pages agree on one origin.
func TestFrontendURLFromHostAndPort(t *testing.T) {
	for name, tt := range map[string]struct {
		vars map[string]string
		want string
	}{
		"Defaults":     {nil, "http://127.0.0.1:8000"},
		"HostAndPort":  {map[string]string{"HOST": "accounts.internal", "PORT": "9000"}, "http://accounts.internal:9000"},
		"IPv6":         {map[string]string{"HOST": "::1", "PORT": "8001"}, "http://[::1]:8001"},
		"IPv6Zone":     {map[string]string{"HOST": "fe80::1%eth0"}, "http://[fe80::1%25eth0]:8000"},
		"ExplicitWins": {map[string]string{"HOST": "0.0.0.0", "FRONTEND_URL": "https://accounts.example.com/"}, "https://accounts.example.com"},
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

// TestFrontendURLRequiredWhereTheListenAddressIsNotTheSite: in production, and on a wildcard
// HOST (no browser opens 0.0.0.0), the address the server listens on is not what people open,
// so links would point nowhere useful: the server refuses to start.
func TestFrontendURLRequiredWhereTheListenAddressIsNotTheSite(t *testing.T) {
	prod := map[string]string{"APP_ENV": "production", "SECRET_KEY": testKey, "MAIL_SERVER": "smtp.example.com"}
	for name, vars := range map[string]map[string]string{
		"Production":   prod,
		"WildcardIPv4": {"HOST": "0.0.0.0"},
		"WildcardIPv6": {"HOST": "::", "PORT": "8080"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := loadErr(t, vars); !strings.Contains(got, "FRONTEND_URL: must be set") {
				t.Errorf("error = %q, want FRONTEND_URL required", got)
			}
			vars["FRONTEND_URL"] = "https://accounts.example.com"
			if c := mustLoad(t, vars); c.Account.FrontendURL != "https://accounts.example.com" {
				t.Errorf("FrontendURL = %q", c.Account.FrontendURL)
			}
		})
	}
	if got := config.ListenURL("0.0.0.0", 8000); got != "http://localhost:8000" {
		t.Errorf("ListenURL(0.0.0.0) = %q", got)
	}
}
