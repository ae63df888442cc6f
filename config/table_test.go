package config_test

import (
	"reflect"
	"slices"
	"testing"

	"latchkey/config"
)

// notSettings are the fields of Config's sections that app or a test fills, not a setting.
var notSettings = []string{
	"Account.Issuer", "Account.ThrottleEntries", "Account.Limiter", "Account.Outbox",
	"Account.Observer", "Account.Now", "Account.Argon2", "Account.Replicas", "Account.CacheTTL",
	"SMTP.ConnectTimeout", "SMTP.SendTimeout", "SMTP.TLSConfig",
	"Database.WrapDriver",
	"Outbox.PollInterval", "Outbox.GiveUpAfter", "Outbox.MaxBackoff", "Outbox.DrainTimeout",
	"FrontendURLDerived", // Load derives it after the rows, from HOST and PORT
}

// place is a field of a Config by its address and type: a struct and its first field share
// an address.
type place struct {
	addr uintptr
	typ  reflect.Type
}

func placeOf(p any) place {
	v := reflect.ValueOf(p)
	return place{v.Pointer(), v.Type().Elem()}
}

// TestEverySettingHasOnePlace keeps the table and Config in step: each row fills fields of
// Config, and each field of Config is filled by a row unless it is listed in notSettings.
func TestEverySettingHasOnePlace(t *testing.T) {
	c := &config.Config{}
	filledBy := map[place]string{}
	for name, ptrs := range config.Places(c) {
		if len(ptrs) == 0 {
			t.Errorf("%s has no place in Config", name)
		}
		for _, p := range ptrs {
			pl := placeOf(p)
			if other, ok := filledBy[pl]; ok {
				t.Errorf("%s and %s fill the same field", name, other)
			}
			filledBy[pl] = name
		}
	}
	seen := map[place]bool{}
	listed := map[string]bool{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		pl := place{v.Addr().Pointer(), v.Type()}
		switch {
		case filledBy[pl] != "":
			seen[pl] = true
		case slices.Contains(notSettings, path):
			listed[path] = true
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), joinPath(path, v.Type().Field(i).Name))
			}
		default:
			t.Errorf("Config.%s is filled by no setting: give it a row, or list it in notSettings", path)
		}
	}
	walk(reflect.ValueOf(c).Elem(), "")
	for pl, name := range filledBy {
		if !seen[pl] {
			t.Errorf("%s fills something outside its Config", name)
		}
	}
	for _, path := range notSettings {
		if !listed[path] {
			t.Errorf("notSettings lists Config.%s, which no longer exists", path)
		}
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
