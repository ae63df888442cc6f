package config_test

import (
	"bytes"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"latchkey/account"
	"latchkey/config"
)

func TestLoadInvalid(t *testing.T) {
	tests := []struct {
		name, variable, value, want string
	}{
		{"ErrPortNotNumber", "PORT", "abc", `PORT: "abc" is not a whole number`},
		{"ErrPortRange", "PORT", "70000", `PORT: must be between 0 and 65535 (got 70000)`},
		{"ErrAlgorithm", "ALGORITHM", "RS256", `ALGORITHM: "RS256" is not one of HS256, HS384, HS512, EdDSA, ES256`},
		{"ErrAccessTTLZero", "ACCESS_TOKEN_EXPIRE_MINUTES", "0", `ACCESS_TOKEN_EXPIRE_MINUTES: must be at least 1 (got 0)`},
		{"ErrAccessTTLOverflow", "ACCESS_TOKEN_EXPIRE_MINUTES", "99999999999999", `ACCESS_TOKEN_EXPIRE_MINUTES: 99999999999999 is too large`},
		{"ErrResetTTLFraction", "RESET_TOKEN_EXPIRE_MINUTES", "1.5", `RESET_TOKEN_EXPIRE_MINUTES: "1.5" is not a whole number`},
		{"ErrPasswordMinLength", "PASSWORD_MIN_LENGTH", "129", `PASSWORD_MIN_LENGTH: must be between 1 and 128 (got 129)`},
		{"ErrMailPortZero", "MAIL_PORT", "0", `MAIL_PORT: must be between 1 and 65535 (got 0)`},
		{"ErrMailFrom", "MAIL_FROM", "not an address", `MAIL_FROM: "not an address" is not an email address`},
		{"ErrMailUseTLS", "MAIL_USE_TLS", "maybe", `MAIL_USE_TLS: "maybe" is not true or false`},
		{"ErrDatabaseScheme", "DATABASE_URL", "mysql://db/blog", `DATABASE_URL: must start with sqlite: (then a file path), postgres:// or postgresql://`},
		{"ErrDatabaseNoPath", "DATABASE_URL", "sqlite:", `DATABASE_URL: sqlite: needs a file path`},
		{"ErrDatabaseSQLiteHost", "DATABASE_URL", "sqlite://x", `DATABASE_URL: sqlite://PATH is ambiguous`},
		{"ErrResetInterval", "RESET_MAIL_MIN_INTERVAL_SECONDS", "-1", `RESET_MAIL_MIN_INTERVAL_SECONDS: must be at least 0 (got -1)`},
		{"ErrResetMailsPerHour", "RESET_MAILS_PER_HOUR", "0", `RESET_MAILS_PER_HOUR: must be at least 1 (got 0)`},
		{"ErrAppEnv", "APP_ENV", "staging", `APP_ENV: "staging" is not one of development, production, test`},
		{"ErrRegistration", "REGISTRATION", "open", `REGISTRATION: "open" is not one of instant, verified`},
		{"ErrIntrospection", "GRAPHQL_INTROSPECTION", "nope", `GRAPHQL_INTROSPECTION: "nope" is not true or false`},
		{"ErrPlayground", "PLAYGROUND_ENABLED", "sometimes", `PLAYGROUND_ENABLED: "sometimes" is not true or false`},
		{"ErrRateLimitLogin", "RATE_LIMIT_LOGIN_PER_MINUTE", "0", `RATE_LIMIT_LOGIN_PER_MINUTE: must be at least 1 (got 0)`},
		{"ErrRedisScheme", "REDIS_URL", "memcached://cache:11211", `REDIS_URL: must start with redis://, rediss:// or unix://`},
		{"ErrRedisNoHost", "REDIS_URL", "redis:///0", `REDIS_URL: has no host`},
		{"ErrLogLevel", "LOG_LEVEL", "trace", `LOG_LEVEL: "trace" is not one of debug, info, warn, error`},
		{"ErrLogFormat", "LOG_FORMAT", "xml", `LOG_FORMAT: "xml" is not one of text, json`},
		{"ErrShutdownTimeout", "SHUTDOWN_TIMEOUT_SECONDS", "0", `SHUTDOWN_TIMEOUT_SECONDS: must be at least 1 (got 0)`},
		{"ErrOutboxLeaseZero", "OUTBOX_LEASE_SECONDS", "0", `OUTBOX_LEASE_SECONDS: must be at least 1 (got 0)`},
		{"ErrOutboxLeaseUnit", "OUTBOX_LEASE_SECONDS", "2m", `OUTBOX_LEASE_SECONDS: "2m" is not a whole number`},
		{"ErrOutboxSendersZero", "OUTBOX_SENDERS", "0", `OUTBOX_SENDERS: must be between 1 and 100 (got 0)`},
		{"ErrMetricsAddrNoPort", "METRICS_ADDR", "9464", `METRICS_ADDR: "9464" is not host:port (e.g. 127.0.0.1:9464) or off`},
		{"ErrMetricsAddrPortRange", "METRICS_ADDR", "127.0.0.1:70000", `METRICS_ADDR: "127.0.0.1:70000" has no port between 0 and 65535`},
		{"ErrMetricsAddrPortName", "METRICS_ADDR", "127.0.0.1:http", `METRICS_ADDR: "127.0.0.1:http" has no port between 0 and 65535`},
		{"ErrOutboxSendersTooMany", "OUTBOX_SENDERS", "101", `OUTBOX_SENDERS: must be between 1 and 100 (got 101)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadErr(t, map[string]string{tt.variable: tt.value}); !strings.HasPrefix(got, tt.want) {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadInvalidFromDotenvNamesFile(t *testing.T) {
	path := writeDotenv(t, "PORT=abc\n")
	_, err := config.Load(env(nil), path)
	if want := `PORT: "abc" is not a whole number (from ` + path + `)`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := config.Load(env(map[string]string{"PORT": "abc", "ALGORITHM": "RS256", "MAIL_FROM": "nobody"}), "")
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) != 3 {
		t.Fatalf("error = %v, want three joined errors", err)
	}
	for _, name := range []string{"PORT:", "ALGORITHM:", "MAIL_FROM:"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestSecretsNeverShown(t *testing.T) {
	const mailPassword = "mail-password-do-not-show"
	t.Run("ErrShortSecretKey", func(t *testing.T) {
		got := loadErr(t, map[string]string{"SECRET_KEY": "tooshort10", "MAIL_PASSWORD": mailPassword, "PORT": "x"})
		if !strings.Contains(got, "SECRET_KEY: must be at least 32 bytes (got 10)") {
			t.Errorf("error = %q, want the SECRET_KEY length problem", got)
		}
		if strings.Contains(got, "tooshort10") || strings.Contains(got, mailPassword) {
			t.Errorf("error reveals a secret: %q", got)
		}
	})
	t.Run("ErrDatabaseURLNotEchoed", func(t *testing.T) {
		for _, dsn := range []string{"mysql://u:db-secret@h/x", "postgres://u:db-secret@%zz/x"} {
			if got := loadErr(t, map[string]string{"DATABASE_URL": dsn}); strings.Contains(got, "db-secret") {
				t.Errorf("error reveals the database password: %q", got)
			}
		}
	})
	t.Run("ErrRedisURLNotEchoed", func(t *testing.T) {
		for _, u := range []string{"memcached://u:redis-secret@h", "redis://u:redis-secret@%zz/0"} {
			if got := loadErr(t, map[string]string{"REDIS_URL": u}); strings.Contains(got, "redis-secret") {
				t.Errorf("error reveals the Redis password: %q", got)
			}
		}
	})
	t.Run("ErrFrontendUserInfoNotEchoed", func(t *testing.T) {
		if got := loadErr(t, map[string]string{"FRONTEND_URL": "https://u:url-secret@example.com"}); strings.Contains(got, "url-secret") {
			t.Errorf("error reveals the URL password: %q", got)
		}
	})
	tests := []struct {
		name string
		vars map[string]string
		want string
		hide []string
	}{
		{"LogRedactsSetKey", map[string]string{
			"SECRET_KEY": testKey, "MAIL_PASSWORD": mailPassword,
			"DATABASE_URL": "postgres://app:pg-secret@db/app?password=pg-query-secret&sslmode=require",
			"REDIS_URL":    "redis://default:redis-secret@cache:6379/0",
		}, "SECRET_KEY=[redacted]", []string{testKey, mailPassword, "pg-secret", "pg-query-secret", "redis-secret"}},
		{"LogMarksGeneratedKey", nil, "SECRET_KEY=[generated]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.vars)
			var buf bytes.Buffer
			slog.New(slog.NewTextHandler(&buf, nil)).Info("settings", "config", c)
			out := buf.String()
			if !strings.Contains(out, tt.want) {
				t.Errorf("log %q does not contain %q", out, tt.want)
			}
			for _, secret := range append(tt.hide, string(c.Account.SecretKey)) {
				if strings.Contains(out, secret) {
					t.Errorf("log reveals %q: %s", secret, out)
				}
			}
		})
	}
}

func TestLoadProduction(t *testing.T) {
	t.Run("ErrMissingKeyAndMailServer", func(t *testing.T) {
		got := loadErr(t, map[string]string{"APP_ENV": "production"})
		for _, want := range []string{"SECRET_KEY: must be set when APP_ENV=production", "MAIL_SERVER: must be set when APP_ENV=production", "FRONTEND_URL: must be set when APP_ENV=production"} {
			if !strings.Contains(got, want) {
				t.Errorf("error %q does not contain %q", got, want)
			}
		}
	})
	t.Run("ErrShortKey", func(t *testing.T) {
		if got := loadErr(t, map[string]string{"APP_ENV": "test", "SECRET_KEY": "short"}); !strings.Contains(got, "at least 32 bytes") {
			t.Errorf("error = %q", got)
		}
	})
	t.Run("OK", func(t *testing.T) {
		c := mustLoad(t, map[string]string{"APP_ENV": "Production", "SECRET_KEY": testKey, "MAIL_SERVER": "smtp.example.com", "FRONTEND_URL": "https://accounts.example.com"})
		if !c.Production() {
			t.Errorf("Production() = false for APP_ENV=%q", c.AppEnv)
		}
		if c.Account.Registration != account.RegistrationVerified {
			t.Errorf("REGISTRATION in production = %q, want verified by default", c.Account.Registration)
		}
		if c.HTTP.Playground {
			t.Error("PLAYGROUND_ENABLED in production is true by default, want false")
		}
	})
}

func TestLoadTrustedProxies(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name, in string
		want     []netip.Prefix
		wantErr  []string
	}{
		{"Empty", "", nil, nil},
		{"CIDR", "10.0.0.0/8", []netip.Prefix{p("10.0.0.0/8")}, nil},
		{"BareIPv4", "192.0.2.7", []netip.Prefix{p("192.0.2.7/32")}, nil},
		{"BareIPv6", "::1", []netip.Prefix{p("::1/128")}, nil},
		{"HostBitsMasked", "10.1.2.3/8", []netip.Prefix{p("10.0.0.0/8")}, nil},
		{"MixedSeparators", " 10.0.0.0/8,172.16.0.0/12  fd00::/8 ,", []netip.Prefix{p("10.0.0.0/8"), p("172.16.0.0/12"), p("fd00::/8")}, nil},
		{"ErrEveryBadEntry", "10.0.0.300, 10.0.0.0/33 fe80::1%eth0 proxy.example.com 10.0.0.1", nil, []string{
			`"10.0.0.300"`, `"10.0.0.0/33"`, `"fe80::1%eth0"`, `"proxy.example.com"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"TRUSTED_PROXIES": tt.in}
			if tt.wantErr != nil {
				got := loadErr(t, vars)
				for _, want := range tt.wantErr {
					if !strings.Contains(got, "TRUSTED_PROXIES: "+want+" is not an IP address or CIDR prefix") {
						t.Errorf("error %q does not name %s", got, want)
					}
				}
				return
			}
			if got := mustLoad(t, vars).HTTP.TrustedProxies; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadFrontendURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"TrailingSlashTrimmed", "https://accounts.example.com/", "https://accounts.example.com"},
		{"PathKept", "https://example.com/accounts//", "https://example.com/accounts"},
		{"PortKept", "http://localhost:8080", "http://localhost:8080"},
		{"ErrJavascript", "javascript:alert(1)", "must start with http:// or https://"},
		{"ErrNoScheme", "accounts.example.com", "must start with http:// or https://"},
		{"ErrFTP", "ftp://example.com", "must start with http:// or https://"},
		{"ErrNoHost", "https:///reset", "has no host"},
		{"ErrOnlyPort", "https://:443", "has no host"},
		{"ErrQuery", "https://example.com/?next=x", "must not have a query or fragment"},
		{"ErrFragment", "https://example.com/#top", "must not have a query or fragment"},
		{"ErrUserInfo", "https://user@example.com", "must not contain a user name or password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"FRONTEND_URL": tt.in}
			if strings.HasPrefix(tt.name, "Err") {
				if got := loadErr(t, vars); !strings.HasPrefix(got, "FRONTEND_URL: ") || !strings.Contains(got, tt.want) {
					t.Errorf("error = %q, want FRONTEND_URL: …%s", got, tt.want)
				}
				return
			}
			if got := mustLoad(t, vars).Account.FrontendURL; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
