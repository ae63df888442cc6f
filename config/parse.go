package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"entgo.io/ent/dialect"
	"github.com/joho/godotenv"

	"latchkey/account"
	"latchkey/database"
)

// loader looks values up (environment, then .env, then the table's default) and collects
// every problem, so an operator sees all of them at once.
type loader struct {
	defaults map[string]string // the table's, by name
	getenv   func(string) string
	file     map[string]string
	fileName string
	fromFile map[string]bool
	errs     []error
}

func readDotenv(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	m, err := godotenv.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid .env file: %s", path, dotenvProblem(err))
	}
	return m, nil
}

// dotenvProblem keeps only the kind of syntax error: godotenv quotes the rest of the file
// in its messages, which may hold SECRET_KEY or MAIL_PASSWORD.
func dotenvProblem(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unterminated quoted value"):
		return "a quoted value is never closed"
	case strings.HasPrefix(msg, "unexpected character"):
		return "a name holds something other than letters, digits, _ and ."
	}
	return "a line is not NAME=value"
}

func (l *loader) str(name string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	if v := strings.TrimSpace(l.file[name]); v != "" {
		l.fromFile[name] = true
		return v
	}
	d, ok := l.defaults[name]
	if !ok {
		panic("config: " + name + " is missing from the settings table")
	}
	return d
}

func (l *loader) fail(name, problem string) {
	if l.fromFile[name] {
		problem += " (from " + l.fileName + ")"
	}
	l.errs = append(l.errs, errors.New(name+": "+problem))
}

// overflowGuard: upper bounds above it only keep count*unit from overflowing, so errors
// speak of "at least" and "too large" instead of quoting a meaningless maximum.
const overflowGuard = 1 << 20

func (l *loader) integer(name string, lo, hi int) int {
	s := l.str(name)
	n, err := strconv.Atoi(s) // out of range still yields the nearest int, with ErrRange
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		l.fail(name, fmt.Sprintf("%q is not a whole number", s))
		return 0
	}
	switch {
	case err == nil && n >= lo && n <= hi:
	case hi < overflowGuard:
		l.fail(name, fmt.Sprintf("must be between %d and %d (got %s)", lo, hi, s))
	case n < lo:
		l.fail(name, fmt.Sprintf("must be at least %d (got %s)", lo, s))
	default:
		l.fail(name, fmt.Sprintf("%s is too large", s))
	}
	return n
}

// duration bounds the count so that count*unit cannot overflow time.Duration.
func (l *loader) duration(name string, lo int, unit time.Duration) time.Duration {
	hi := int(min(int64(math.MaxInt), math.MaxInt64/int64(unit)))
	return time.Duration(l.integer(name, lo, hi)) * unit
}

// boolean accepts what pydantic accepts, since the tutorial's .env was written for it.
func (l *loader) boolean(name string) bool {
	s := l.str(name)
	switch strings.ToLower(s) {
	case "true", "1", "yes", "on":
		return true
	case "false", "0", "no", "off":
		return false
	}
	l.fail(name, fmt.Sprintf("%q is not true or false (also accepted: 1/0, yes/no, on/off)", s))
	return false
}

func (l *loader) oneOf(name string, allowed ...string) string {
	s := l.str(name)
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a
		}
	}
	l.fail(name, fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", ")))
	return s
}

func (l *loader) mailFrom(name string) string {
	s := l.str(name)
	if _, err := mail.ParseAddress(s); err != nil {
		l.fail(name, fmt.Sprintf("%q is not an email address", s))
	}
	return s
}

// frontendURL refuses anything but a plain http(s) base: it is pasted in front of
// "/reset-password#token=…" in every reset mail.
func (l *loader) frontendURL(name string) string {
	s := l.str(name)
	u, err := url.Parse(s)
	switch {
	case s == "":
		return "" // derived from HOST and PORT once they are read
	case err != nil:
		l.fail(name, fmt.Sprintf("%q is not a URL", s))
	case u.User != nil:
		l.fail(name, "must not contain a user name or password")
	case u.Scheme != "http" && u.Scheme != "https":
		l.fail(name, fmt.Sprintf("%q must start with http:// or https://", s))
	case u.Hostname() == "":
		l.fail(name, fmt.Sprintf("%q has no host", s))
	case strings.ContainsAny(s, "?#"):
		l.fail(name, fmt.Sprintf("%q must not have a query or fragment", s))
	}
	return strings.TrimRight(s, "/")
}

// databaseURL never echoes the value: a Postgres URL may carry a password.
func (l *loader) databaseURL(name string) database.URL {
	u, err := database.ParseURL(l.str(name))
	if err != nil {
		l.fail(name, err.Error())
	}
	return u
}

func (l *loader) trustedProxies(name string) []netip.Prefix {
	var out []netip.Prefix
	fields := strings.FieldsFunc(l.str(name), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	for _, f := range fields {
		p, err := parsePrefix(f)
		if err != nil {
			l.fail(name, fmt.Sprintf("%q is not an IP address or CIDR prefix", f))
			continue
		}
		out = append(out, p)
	}
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("zones are not allowed")
	}
	return a.Prefix(a.BitLen())
}

// registration defaults to verified in production, where anyone may sign up, and to the
// tutorial's instant accounts elsewhere.
func (l *loader) registration(name, appEnv string) account.Registration {
	if l.str(name) == "" {
		if appEnv == "production" {
			return account.RegistrationVerified
		}
		return account.RegistrationInstant
	}
	return account.Registration(l.oneOf(name, string(account.RegistrationInstant), string(account.RegistrationVerified)))
}

// autoMigrate defaults to true for the embedded SQLite file and false for PostgreSQL, where
// several replicas should not each change the schema as they start.
func (l *loader) autoMigrate(name, databaseDialect string) bool {
	if l.str(name) == "" {
		return databaseDialect == dialect.SQLite
	}
	return l.boolean(name)
}

// origins parses a list of web origins: scheme and host (and port), nothing else.
func (l *loader) origins(name string) []string {
	var out []string
	for _, o := range strings.FieldsFunc(l.str(name), func(r rune) bool { return r == ',' || r == ' ' }) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			l.fail(name, fmt.Sprintf("%q is not an origin like https://app.example.com", o))
			continue
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out
}

// listenAddr parses a host:port to listen on, or "off" (returned as ""). An empty host means
// every interface; port 0 picks a free port.
func (l *loader) listenAddr(name string) string {
	s := l.str(name)
	if strings.EqualFold(s, "off") {
		return ""
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		l.fail(name, fmt.Sprintf("%q is not host:port (e.g. 127.0.0.1:9464) or off", s))
		return s
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		l.fail(name, fmt.Sprintf("%q has no port between 0 and 65535", s))
	}
	if strings.ContainsAny(host, "/ ") {
		l.fail(name, fmt.Sprintf("%q is not host:port (e.g. 127.0.0.1:9464) or off", s))
	}
	return s
}

// loopback reports whether addr's host only answers on this machine.
func loopback(addr string) bool {
	host, _, _ := net.SplitHostPort(addr)
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// redisURL never echoes the value: it may carry a password.
func (l *loader) redisURL(name string) string {
	s := l.str(name)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		l.fail(name, "is not a valid URL")
	case u.Scheme == "unix":
		if u.Path == "" {
			l.fail(name, "unix: needs a socket path, e.g. unix:///run/redis.sock")
		}
	case u.Scheme != "redis" && u.Scheme != "rediss":
		l.fail(name, "must start with redis://, rediss:// or unix://")
	case u.Hostname() == "":
		l.fail(name, "has no host, e.g. redis://127.0.0.1:6379/0")
	}
	return s
}
