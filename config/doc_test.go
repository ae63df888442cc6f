package config_test

import (
	"os"
	"strings"
	"testing"

	"latchkey/config"
)

func TestREADMESettingsTableMatchesCode(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "<!-- settings:start -->\n"+config.MarkdownTable()+"<!-- settings:end -->") {
		t.Fatal("README.md's settings table differs from config/variables.go; run go generate ./config")
	}
}

func TestEnvExampleMatchesCode(t *testing.T) {
	example, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if string(example) != config.EnvExample() {
		t.Fatal(".env.example differs from config/variables.go; run go generate ./config")
	}
}

func TestEnvExampleLoads(t *testing.T) {
	cfg, err := config.Load(nil, "../.env.example")
	if err != nil {
		t.Fatalf(".env.example does not load: %v", err)
	}
	def, err := config.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.URL != def.Database.URL || cfg.HTTP.Port != def.HTTP.Port || cfg.AppName != def.AppName {
		t.Fatal(".env.example does not hold the defaults")
	}
}
