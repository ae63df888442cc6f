package config

import (
	"cmp"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"latchkey/account"
	"latchkey/database"
	"latchkey/keyset"
)

// field is one setting's parser bound to the place in a Config that it fills.
type field interface {
	load(l *loader, name string) // parse the setting named name into its place
	show() slog.Value            // the value in its place, as the log shows it
	places() []any               // pointers to what load fills, for the table's test
}

// value is a field of type T, parsed by parse and shown by render.
type value[T any] struct {
	dst    *T
	parse  func(l *loader, name string) T
	render func(T) slog.Value
}

func (v value[T]) load(l *loader, name string) { *v.dst = v.parse(l, name) }
func (v value[T]) show() slog.Value            { return v.render(*v.dst) }
func (v value[T]) places() []any               { return []any{v.dst} }

func text(dst *string) field { return value[string]{dst, (*loader).str, slog.StringValue} }

// textWith is a string checked (and maybe rewritten) by parse.
func textWith(dst *string, parse func(l *loader, name string) string) field {
	return value[string]{dst, parse, slog.StringValue}
}

func integer(dst *int, lo, hi int) field {
	parse := func(l *loader, name string) int { return l.integer(name, lo, hi) }
	return value[int]{dst, parse, slog.IntValue}
}

// duration is a whole number of units, and is logged as one.
func duration(dst *time.Duration, lo int, unit time.Duration) field {
	parse := func(l *loader, name string) time.Duration { return l.duration(name, lo, unit) }
	render := func(d time.Duration) slog.Value { return slog.Int64Value(int64(d / unit)) }
	return value[time.Duration]{dst, parse, render}
}

func boolean(dst *bool) field { return value[bool]{dst, (*loader).boolean, slog.BoolValue} }

func oneOf(dst *string, allowed ...string) field {
	parse := func(l *loader, name string) string { return l.oneOf(name, allowed...) }
	return value[string]{dst, parse, slog.StringValue}
}

// connURL is a URL that may carry a password: the log shows it redacted.
func connURL(dst *string, parse func(l *loader, name string) string) field {
	render := func(s string) slog.Value { return slog.StringValue(redactDSN(s)) }
	return value[string]{dst, parse, render}
}

func databaseURL(dst *database.URL) field {
	render := func(u database.URL) slog.Value { return slog.StringValue(redactDSN(u.Raw)) }
	return value[database.URL]{dst, (*loader).databaseURL, render}
}

// listenAddr logs "" as off, the word that set it.
func listenAddr(dst *string) field {
	render := func(s string) slog.Value { return slog.StringValue(cmp.Or(s, "off")) }
	return value[string]{dst, (*loader).listenAddr, render}
}

func prefixes(dst *[]netip.Prefix) field {
	render := func(ps []netip.Prefix) slog.Value {
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = p.String()
		}
		return slog.StringValue(strings.Join(s, ","))
	}
	return value[[]netip.Prefix]{dst, (*loader).trustedProxies, render}
}

func origins(dst *[]string) field {
	render := func(s []string) slog.Value { return slog.StringValue(strings.Join(s, ",")) }
	return value[[]string]{dst, (*loader).origins, render}
}

// registration's default depends on APP_ENV, read by the row before it.
func registration(dst *account.Registration, appEnv *string) field {
	parse := func(l *loader, name string) account.Registration { return l.registration(name, *appEnv) }
	render := func(r account.Registration) slog.Value { return slog.StringValue(string(r)) }
	return value[account.Registration]{dst, parse, render}
}

// offInProduction is a boolean whose default is true unless APP_ENV, read by an earlier row, is
// production.
func offInProduction(dst *bool, appEnv *string) field {
	parse := func(l *loader, name string) bool {
		if l.str(name) == "" {
			return *appEnv != "production"
		}
		return l.boolean(name)
	}
	return value[bool]{dst, parse, slog.BoolValue}
}

// autoMigrate's default depends on the database, read by the row before it.
func autoMigrate(dst *bool, db *database.URL) field {
	parse := func(l *loader, name string) bool { return l.autoMigrate(name, db.Dialect) }
	return value[bool]{dst, parse, slog.BoolValue}
}

// signingKeysField fills the key file's path and its keys, read for the algorithm of the row before.
type signingKeysField struct {
	path *string
	keys **keyset.Set
	alg  *string
}

func signingKeys(path *string, keys **keyset.Set, alg *string) field {
	return signingKeysField{path, keys, alg}
}

func (f signingKeysField) load(l *loader, name string) {
	*f.path, *f.keys = l.signingKeys(name, *f.alg)
}
func (f signingKeysField) show() slog.Value { return slog.StringValue(*f.path) }
func (f signingKeysField) places() []any    { return []any{f.path, f.keys} }

// secretKeyField fills the key and whether it had to be generated.
type secretKeyField struct {
	key       *[]byte
	generated *bool
}

func secretKey(key *[]byte, generated *bool) field { return secretKeyField{key, generated} }

func (f secretKeyField) load(l *loader, name string) {
	k, generated := l.secretKey(name)
	*f.key, *f.generated = []byte(k), generated
}
func (f secretKeyField) show() slog.Value { return slog.StringValue(string(*f.key)) }
func (f secretKeyField) places() []any    { return []any{f.key, f.generated} }

// redacted tells a generated key from a set one, since only a set one survives a restart.
func (f secretKeyField) redacted() slog.Value {
	if *f.generated {
		return slog.StringValue("[generated]")
	}
	return slog.StringValue("[redacted]")
}

// redact hides a secret's value but not whether it is set; a field may say more.
func redact(f field) slog.Value {
	if r, ok := f.(interface{ redacted() slog.Value }); ok {
		return r.redacted()
	}
	if f.show().String() == "" {
		return slog.StringValue("")
	}
	return slog.StringValue("[redacted]")
}
