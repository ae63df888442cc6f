package config

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// deriveFrontendURL fills an unset FRONTEND_URL with the address the server listens on, so that
// the banner, the mailed links and the pages name one origin: a session opened on
// http://localhost:8000 is not one opened on http://127.0.0.1:8000.
func (c *Config) deriveFrontendURL() {
	if c.Account.FrontendURL != "" {
		return
	}
	c.FrontendURLDerived = true
	c.Account.FrontendURL = ListenURL(c.HTTP.Host, c.HTTP.Port)
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

// wildcardWarning is said at start-up when links point at localhost because HOST listens on
// every interface and FRONTEND_URL is not set.
func (c *Config) wildcardWarning() string {
	if !c.FrontendURLDerived || !wildcardHost(c.HTTP.Host) {
		return ""
	}
	return "HOST " + c.HTTP.Host + " listens on every interface but FRONTEND_URL is not set: links in mails point at " +
		c.Account.FrontendURL + ", which only works on this machine; set FRONTEND_URL to the address people open"
}
