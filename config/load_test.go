package config_test

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"latchkey/account"
	"latchkey/config"
	"latchkey/database"
	"latchkey/email"
	"latchkey/keyset"
	"latchkey/outbox"
)

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func writeDotenv(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), ".env")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func mustLoad(tb testing.TB, vars map[string]string) *config.Config {
	tb.Helper()
	c, err := config.Load(env(vars), "")
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return c
}

func loadErr(tb testing.TB, vars map[string]string) string {
	tb.Helper()
	c, err := config.Load(env(vars), "")
	if err == nil {
		tb.Fatalf("Load succeeded with %+v, want an error", c)
	}
	return err.Error()
}

// testKey passes the production checks: random, not a pattern, not a placeholder.
const testKey = "test-only:XCfysZrzgDqytZF+o4mYZojAChlwiqWV"

func TestLoadDefaults(t *testing.T) {
	missing := filepath.Join(t.TempDir(), ".env")
	c, err := config.Load(env(nil), missing)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !c.SecretKeyGenerated || len(c.Account.SecretKey) != 64 {
		t.Errorf("SecretKey = %d chars, generated %v; want 64 hex chars, generated", len(c.Account.SecretKey), c.SecretKeyGenerated)
	}
	if other := mustLoad(t, nil); bytes.Equal(other.Account.SecretKey, c.Account.SecretKey) {
		t.Error("two loads generated the same SECRET_KEY")
	}
	c.Account.SecretKey = nil
	want := &config.Config{
		Account: account.Config{
			Algorithm:            "HS256",
			AccessTokenTTL:       30 * time.Minute,
			ResetTokenTTL:        60 * time.Minute,
			VerificationTokenTTL: 24 * time.Hour,
			RefreshTokenTTL:      30 * 24 * time.Hour,
			SessionMaxAge:        90 * 24 * time.Hour,
			RefreshReuseGrace:    10 * time.Second,
			Registration:         account.RegistrationInstant,
			PasswordMinLength:    8,
			FrontendURL:          "http://127.0.0.1:8000", // HOST and PORT's

			RateLimitEnabled:     true,
			ResetMailMinInterval: 60 * time.Second,
			ResetMailsPerHour:    3,
			RateLimits:           account.RateLimits{ForgotPassword: 5, Login: 10, ResetPassword: 10, CheckResetToken: 20, Register: 5},
			HashLimits:           account.HashLimits{QueueLength: 128, QueueTimeout: 5 * time.Second},
		},
		SMTP: email.SMTPConfig{Port: 587, From: "noreply@example.com", UseTLS: true},
		Database: database.Options{
			URL:          database.URL{Raw: "sqlite:blog.db", Dialect: dialect.SQLite, Path: "blog.db"},
			MaxOpenConns: 20, MaxIdleConns: 10, ConnMaxLifetime: 30 * time.Minute, Timeout: 2 * time.Second,
		},
		Outbox: outbox.Options{Lease: 2 * time.Minute, Senders: 16},
		HTTP: config.HTTP{
			Host: "127.0.0.1", Port: 8000, GraphQLIntrospection: true, Playground: true,
			ShutdownTimeout: 15 * time.Second, RequestTimeout: 10 * time.Second, MetricsAddr: "127.0.0.1:9464",
		},
		Log:                config.Logging{Level: "info", Format: "text"},
		AppName:            "Latchkey",
		AppEnv:             "development",
		AutoMigrate:        true, // with SQLite
		SecretKeyGenerated: true,
		FrontendURLDerived: true,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
}

func TestLoadNilGetenvMeansEmptyEnvironment(t *testing.T) {
	c, err := config.Load(nil, "")
	if err != nil || c.HTTP.Port != 8000 {
		t.Fatalf("Load(nil) = %+v, %v; want defaults", c, err)
	}
}

func TestLoadEveryVariable(t *testing.T) {
	keysFile, keys := writeKeys(t, keyset.EdDSA, 2)
	vars := map[string]string{
		"SECRET_KEY":                            testKey,
		"ALGORITHM":                             "EdDSA",
		"SIGNING_KEYS_FILE":                     keysFile,
		"ACCESS_TOKEN_EXPIRE_MINUTES":           "15",
		"RESET_TOKEN_EXPIRE_MINUTES":            "20",
		"PASSWORD_MIN_LENGTH":                   "15",
		"APP_NAME":                              "Acme Accounts",
		"MAIL_SERVER":                           "smtp.example.com",
		"MAIL_PORT":                             "465",
		"MAIL_USERNAME":                         "mailer",
		"MAIL_PASSWORD":                         "mail-pass",
		"MAIL_FROM":                             "Acme <accounts@example.com>",
		"MAIL_USE_TLS":                          "false",
		"MAIL_USE_SSL":                          "true",
		"FRONTEND_URL":                          "https://accounts.example.com/",
		"DATABASE_URL":                          "postgres://latchkey@db.example.com/latchkey",
		"HOST":                                  "0.0.0.0",
		"PORT":                                  "0",
		"RATE_LIMIT_ENABLED":                    "false",
		"RESET_MAIL_MIN_INTERVAL_SECONDS":       "0",
		"RESET_MAILS_PER_HOUR":                  "5",
		"TRUSTED_PROXIES":                       "10.0.0.0/8, 192.0.2.7",
		"APP_ENV":                               "production",
		"REGISTRATION":                          "instant", // not production's default
		"EMAIL_VERIFICATION_EXPIRE_MINUTES":     "90",
		"REFRESH_TOKEN_EXPIRE_DAYS":             "7",
		"SESSION_MAX_DAYS":                      "14",
		"REFRESH_REUSE_GRACE_SECONDS":           "3",
		"GRAPHQL_INTROSPECTION":                 "false",
		"PLAYGROUND_ENABLED":                    "true", // not production's default
		"RATE_LIMIT_FORGOT_PASSWORD_PER_MINUTE": "2",
		"RATE_LIMIT_LOGIN_PER_MINUTE":           "20",
		"RATE_LIMIT_RESET_PASSWORD_PER_MINUTE":  "30",
		"RATE_LIMIT_REGISTER_PER_MINUTE":        "4",
		"LOG_LEVEL":                             "debug",
		"LOG_FORMAT":                            "json",
		"SHUTDOWN_TIMEOUT_SECONDS":              "30",
		"OUTBOX_LEASE_SECONDS":                  "5",
		"OUTBOX_SENDERS":                        "16",
		"PASSWORD_HASH_CONCURRENCY":             "3",
		"PASSWORD_HASH_QUEUE_LENGTH":            "50",
		"PASSWORD_HASH_QUEUE_TIMEOUT_MS":        "250",
		"DEBUG_PPROF":                           "true",
		"METRICS_ADDR":                          "[::1]:0",
		"AUTO_MIGRATE":                          "true",
		"DATABASE_MAX_OPEN_CONNS":               "40",
		"DATABASE_MAX_IDLE_CONNS":               "5",
		"DATABASE_CONN_MAX_LIFETIME_SECONDS":    "600",
		"DATABASE_TIMEOUT_MS":                   "750",
		"REQUEST_TIMEOUT_SECONDS":               "4",
		"CORS_ALLOWED_ORIGINS":                  "https://app.example.com, http://localhost:3000/",

		"RATE_LIMIT_CHECK_RESET_TOKEN_PER_MINUTE": "7",
		"REDIS_URL": "redis://cache.example.com:6379/2",
	}
	for _, v := range config.Variables() {
		if _, ok := vars[v.Name]; !ok {
			t.Errorf("test does not set %s", v.Name)
		}
	}
	want := &config.Config{
		Account: account.Config{
			SecretKey:            []byte(testKey),
			Algorithm:            "EdDSA",
			SigningKeys:          keys,
			AccessTokenTTL:       15 * time.Minute,
			ResetTokenTTL:        20 * time.Minute,
			VerificationTokenTTL: 90 * time.Minute,
			RefreshTokenTTL:      7 * 24 * time.Hour,
			SessionMaxAge:        14 * 24 * time.Hour,
			RefreshReuseGrace:    3 * time.Second,
			Registration:         account.RegistrationInstant,
			PasswordMinLength:    15,
			FrontendURL:          "https://accounts.example.com",
			ResetMailsPerHour:    5,
			RateLimits:           account.RateLimits{ForgotPassword: 2, Login: 20, ResetPassword: 30, CheckResetToken: 7, Register: 4},
			HashLimits:           account.HashLimits{Concurrency: 3, QueueLength: 50, QueueTimeout: 250 * time.Millisecond},
		},
		SMTP: email.SMTPConfig{
			Host: "smtp.example.com", Port: 465, Username: "mailer", Password: "mail-pass",
			From: "Acme <accounts@example.com>", UseSSL: true,
		},
		Database: database.Options{
			URL:          database.URL{Raw: "postgres://latchkey@db.example.com/latchkey", Dialect: dialect.Postgres},
			MaxOpenConns: 40, MaxIdleConns: 5, ConnMaxLifetime: 10 * time.Minute, Timeout: 750 * time.Millisecond,
		},
		Outbox: outbox.Options{Lease: 5 * time.Second, Senders: 16},
		HTTP: config.HTTP{
			Host:               "0.0.0.0",
			TrustedProxies:     []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")},
			CORSAllowedOrigins: []string{"https://app.example.com", "http://localhost:3000"},
			ShutdownTimeout:    30 * time.Second,
			RequestTimeout:     4 * time.Second,
			MetricsAddr:        "[::1]:0",
			DebugPprof:         true,
			Playground:         true,
		},
		Log:         config.Logging{Level: "debug", Format: "json"},
		AppName:     "Acme Accounts",
		AppEnv:      "production",
		RedisURL:    "redis://cache.example.com:6379/2",
		AutoMigrate: true,
	}
	want.SigningKeysFile = keysFile
	if got := mustLoad(t, vars); !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
}

func TestLoadSources(t *testing.T) {
	path := writeDotenv(t, "PORT=9000\nAPP_NAME=From File\nMAIL_SERVER=file.example.com\nHOST=10.0.0.1\n")
	c, err := config.Load(env(map[string]string{
		"PORT":        "9100",
		"MAIL_SERVER": "   ",
		"HOST":        "  192.0.2.1 ",
	}), path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tests := []struct{ name, got, want string }{
		{"EnvWins", c.Addr(), "192.0.2.1:9100"},
		{"FileFillsUnset", c.AppName, "From File"},
		{"FileFillsBlank", c.SMTP.Host, "file.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestLoadTutorialDotenv(t *testing.T) {
	path := writeDotenv(t, `# settings for the blog
SECRET_KEY=a-long-random-secret-for-the-blog-tutorial-0042
ALGORITHM=HS256
ACCESS_TOKEN_EXPIRE_MINUTES=30

# Mailtrap sandbox
MAIL_SERVER=sandbox.smtp.mailtrap.io
MAIL_PORT=2525
MAIL_USERNAME=abc123def456
MAIL_PASSWORD="sandbox-password"
MAIL_FROM=noreply@blog.example.com
MAIL_USE_TLS=true
MAIL_USE_SSL=False
DATABASE_URL=sqlite:///./blog.db
SOME_KEY_WE_DO_NOT_KNOW=whatever
`)
	c, err := config.Load(env(nil), path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.SecretKeyGenerated || c.SMTP.Host != "sandbox.smtp.mailtrap.io" || c.SMTP.Port != 2525 ||
		c.SMTP.Password != "sandbox-password" || !c.SMTP.UseTLS || c.SMTP.UseSSL || c.SQLitePath() != "./blog.db" {
		t.Errorf("tutorial .env loaded as %+v", c)
	}
}

func TestLoadDotenvFile(t *testing.T) {
	secret := "a-long-random-secret-that-must-not-leak-0042"
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{"MissingIsFine", filepath.Join(t.TempDir(), "absent.env"), ""},
		{"EmptyPathIsFine", "", ""},
		{"ErrUnreadable", t.TempDir(), "reading "},
		{"ErrUnclosedQuote", writeDotenv(t, "PORT=1\nSECRET_KEY=\""+secret+"\n"), "a quoted value is never closed"},
		{"ErrBadName", writeDotenv(t, "SECRET-KEY="+secret+"\n"), "a name holds something other than letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(env(nil), tt.path)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Load error = %v, want it to contain %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), secret):
				t.Errorf("error reveals the secret: %v", err)
			}
		})
	}
}

func TestLoadBooleans(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"true", true}, {"TRUE", true}, {"1", true}, {"yes", true}, {"On", true},
		{"false", false}, {"False", false}, {"0", false}, {"no", false}, {"OFF", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := mustLoad(t, map[string]string{"MAIL_USE_SSL": tt.in}).SMTP.UseSSL; got != tt.want {
				t.Errorf("MAIL_USE_SSL=%q gives %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestAutoMigrateDefaultsByDatabase(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want bool
	}{
		{"SQLiteOn", map[string]string{"DATABASE_URL": "sqlite:x.db"}, true},
		{"PostgresOff", map[string]string{"DATABASE_URL": "postgres://db.example.com/latchkey"}, false},
		{"PostgresOptIn", map[string]string{"DATABASE_URL": "postgresql://db.example.com/latchkey", "AUTO_MIGRATE": "true"}, true},
		{"SQLiteOptOut", map[string]string{"AUTO_MIGRATE": "false"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustLoad(t, tt.vars).AutoMigrate; got != tt.want {
				t.Errorf("AutoMigrate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCORSOriginsRefused(t *testing.T) {
	for _, bad := range []string{"*", "app.example.com", "https://app.example.com/path", "javascript:alert(1)", "https://u:p@app.example.com"} {
		if msg := loadErr(t, map[string]string{"CORS_ALLOWED_ORIGINS": bad}); !strings.Contains(msg, "CORS_ALLOWED_ORIGINS") {
			t.Errorf("%q: error %q does not name CORS_ALLOWED_ORIGINS", bad, msg)
		}
	}
}
