package config

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// deriveFrontendURL fills an unset FRONTEND_URL with the address the server listens on, so that
// the banner, the mailed links and the pages name one origin: a session opened on
// http://localhost:8000 is not one opened on http://127.0.0.1:8000. Where that address is not
// the one people open, in production or on a wildcard HOST, FRONTEND_URL must be set.
func (c *Config) deriveFrontendURL(l *loader) {
	if c.Account.FrontendURL != "" {
		return
	}
	c.FrontendURLDerived = true
	c.Account.FrontendURL = ListenURL(c.HTTP.Host, c.HTTP.Port)
	switch {
	case c.Production():
		l.fail("FRONTEND_URL", "must be set when APP_ENV=production: it is the address in every mailed link, which people open from elsewhere")
	case wildcardHost(c.HTTP.Host):
		l.fail("FRONTEND_URL", "must be set when HOST listens on every interface ("+c.HTTP.Host+"): set it to the address people open, which the links in mails name")
	}
}

// Listening tells the settings the port the server opened, which PORT=0 leaves to the system:
// a FRONTEND_URL derived from PORT follows it. Call it before the app is built.
func (c *Config) Listening(port int) {
	if c.FrontendURLDerived {
		c.Account.FrontendURL = ListenURL(c.HTTP.Host, port)
	}
}

// ListenURL is the http URL of a server listening on host and port; a wildcard host (0.0.0.0,
// ::), which no browser can open, is named localhost.
func ListenURL(host string, port int) string {
	if wildcardHost(host) {
		host = "localhost"
	}
	// A zone (fe80::1%eth0) is written %25 in a URL (RFC 6874).
	return "http://" + net.JoinHostPort(strings.ReplaceAll(host, "%", "%25"), strconv.Itoa(port))
}

func wildcardHost(host string) bool {
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return host == "" || err == nil && a.IsUnspecified()
}
