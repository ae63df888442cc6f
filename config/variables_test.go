package config_test

import (
	"log/slog"
	"reflect"
	"slices"
	"testing"

	"latchkey/config"
)

func TestVariables(t *testing.T) {
	contract := []string{
		"SECRET_KEY", "ALGORITHM", "ACCESS_TOKEN_EXPIRE_MINUTES", "RESET_TOKEN_EXPIRE_MINUTES",
		"PASSWORD_MIN_LENGTH", "APP_NAME", "MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD",
		"MAIL_FROM", "MAIL_USE_TLS", "MAIL_USE_SSL", "FRONTEND_URL", "DATABASE_URL", "HOST", "PORT",
		"RATE_LIMIT_ENABLED", "RESET_MAIL_MIN_INTERVAL_SECONDS", "RESET_MAILS_PER_HOUR", "TRUSTED_PROXIES",
		"APP_ENV",
	}
	vars := config.Variables()
	var names, secrets []string
	for _, v := range vars {
		names = append(names, v.Name)
		if v.Secret {
			secrets = append(secrets, v.Name)
		}
		if v.Meaning == "" {
			t.Errorf("%s has no meaning", v.Name)
		}
	}
	t.Run("ContractFirstInOrder", func(t *testing.T) {
		if !slices.Equal(names[:len(contract)], contract) {
			t.Errorf("first names = %v, want %v", names[:len(contract)], contract)
		}
	})
	t.Run("NamesUnique", func(t *testing.T) {
		if sorted := slices.Compact(slices.Sorted(slices.Values(names))); len(sorted) != len(names) {
			t.Errorf("duplicate names in %v", names)
		}
	})
	t.Run("SecretsMarked", func(t *testing.T) {
		if want := []string{"SECRET_KEY", "MAIL_PASSWORD"}; !slices.Equal(secrets, want) {
			t.Errorf("secrets = %v, want %v", secrets, want)
		}
	})
	t.Run("DefaultsAreWhatLoadUses", func(t *testing.T) {
		explicit := map[string]string{}
		for _, v := range vars {
			explicit[v.Name] = v.Default
		}
		got, want := mustLoad(t, explicit), mustLoad(t, nil)
		got.Account.SecretKey, want.Account.SecretKey = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("documented defaults load as\n%+v\nbut unset variables as\n%+v", got, want)
		}
	})
	t.Run("LogValueShowsEveryVariable", func(t *testing.T) {
		var keys []string
		for _, a := range mustLoad(t, nil).LogValue().Group() {
			keys = append(keys, a.Key)
		}
		if !slices.Equal(keys, names) {
			t.Errorf("LogValue keys = %v, want %v", keys, names)
		}
	})
	t.Run("CopyIsIndependent", func(t *testing.T) {
		config.Variables()[0].Default = "changed"
		if config.Variables()[0].Default == "changed" {
			t.Error("Variables returns the package's own table")
		}
	})
}

func TestWarnings(t *testing.T) {
	prod := map[string]string{"APP_ENV": "production", "FRONTEND_URL": "https://accounts.example.com", "SECRET_KEY": testKey, "MAIL_SERVER": "smtp.example.com"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"Defaults", nil, []string{
			"SECRET_KEY is not set: a random key was generated, tokens will not survive a restart",
			"MAIL_SERVER is not set: mails are written to the log, not sent",
		}},
		{"BothTLSAndSSL", with(prod, "MAIL_USE_SSL", "true", "FRONTEND_URL", "https://example.com"), []string{
			"MAIL_USE_TLS and MAIL_USE_SSL are both true: implicit TLS (SSL) is used",
		}},
		{"NoEncryption", with(prod, "MAIL_USE_TLS", "off", "FRONTEND_URL", "https://example.com"), []string{
			"MAIL_USE_TLS and MAIL_USE_SSL are both false: mails and SMTP credentials travel unencrypted",
		}},
		{"ProductionHTTP", with(prod, "FRONTEND_URL", "http://accounts.example.com", "RATE_LIMIT_ENABLED", "false"), []string{
			"FRONTEND_URL is http in production: reset links travel unencrypted",
			"RATE_LIMIT_ENABLED is false in production: login and reset can be flooded",
		}},
		{"MetricsBeyondLoopback", with(prod, "FRONTEND_URL", "https://example.com", "METRICS_ADDR", ":9464"), []string{
			"METRICS_ADDR is not a loopback address: keep /metrics off the public internet",
		}},
		{"MetricsLocalhostQuiet", with(prod, "FRONTEND_URL", "https://example.com", "METRICS_ADDR", "localhost:9464"), nil},
		{"ProductionHTTPSQuiet", with(prod, "FRONTEND_URL", "https://example.com"), nil},
		{"DevelopmentHTTPQuiet", with(prod, "APP_ENV", "development", "FRONTEND_URL", "http://localhost:8000"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustLoad(t, tt.vars).Warnings(); !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		got  func(*config.Config) any
		want any
	}{
		{"AddrIPv6", map[string]string{"HOST": "::1", "PORT": "0"}, func(c *config.Config) any { return c.Addr() }, "[::1]:0"},
		{"MailToLog", nil, func(c *config.Config) any { return c.MailToLog() }, true},
		{"MailToServer", map[string]string{"MAIL_SERVER": "smtp.example.com"}, func(c *config.Config) any { return c.MailToLog() }, false},
		{"SQLiteDefault", nil, func(c *config.Config) any { return c.SQLitePath() }, "blog.db"},
		{"SQLiteAlchemyRelative", map[string]string{"DATABASE_URL": "sqlite:///./blog.db"}, func(c *config.Config) any { return c.SQLitePath() }, "./blog.db"},
		{"SQLiteAlchemyAbsolute", map[string]string{"DATABASE_URL": "sqlite:////var/lib/latchkey.db"}, func(c *config.Config) any { return c.SQLitePath() }, "/var/lib/latchkey.db"},
		{"SQLiteAbsolute", map[string]string{"DATABASE_URL": "sqlite:/data/latchkey.db"}, func(c *config.Config) any { return c.SQLitePath() }, "/data/latchkey.db"},
		{"Postgres", map[string]string{"DATABASE_URL": "postgresql://db/app"}, func(c *config.Config) any { return c.SQLitePath() }, ""},
		{"LevelDefault", nil, func(c *config.Config) any { return c.Level() }, slog.LevelInfo},
		{"LevelWarn", map[string]string{"LOG_LEVEL": "WARN"}, func(c *config.Config) any { return c.Level() }, slog.LevelWarn},
		{"LogTrustedProxies", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8 192.0.2.7"}, func(c *config.Config) any { return logAttr(c, "TRUSTED_PROXIES") }, "10.0.0.0/8,192.0.2.7/32"},
		{"MetricsOff", map[string]string{"METRICS_ADDR": "Off"}, func(c *config.Config) any { return c.HTTP.MetricsAddr }, ""},
		{"LogMetricsOff", map[string]string{"METRICS_ADDR": "off"}, func(c *config.Config) any { return logAttr(c, "METRICS_ADDR") }, "off"},
		{"MetricsIPv6", map[string]string{"METRICS_ADDR": "[::1]:0"}, func(c *config.Config) any { return c.HTTP.MetricsAddr }, "[::1]:0"},
		{"LogMinutes", nil, func(c *config.Config) any { return logAttr(c, "ACCESS_TOKEN_EXPIRE_MINUTES") }, "30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(mustLoad(t, tt.vars)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func logAttr(c *config.Config, key string) string {
	for _, a := range c.LogValue().Group() {
		if a.Key == key {
			return a.Value.String()
		}
	}
	return "<missing>"
}
