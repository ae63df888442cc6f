package contract_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

const (
	registerLocale = `mutation($u:String!,$e:String!,$p:String!,$l:String){register(input:{username:$u,email:$e,password:$p,locale:$l}){accessToken user{locale}}}`
	signUpLocale   = `mutation($u:String!,$e:String!,$p:String!,$l:String){signUp(input:{username:$u,email:$e,password:$p,locale:$l}){message}}`
	setLocale      = `mutation($l:String!){setLocale(input:{locale:$l}){id locale}}`
	meLocale       = `{me{locale}}`
)

// queryIn posts a GraphQL operation with an Accept-Language header (none when empty).
func queryIn(tb testing.TB, env *apptest.Env, acceptLanguage, token, query string, vars map[string]any) *apptest.Response {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, env.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return env.Do(tb, req)
}

func localeOf(tb testing.TB, env *apptest.Env, token string) string {
	tb.Helper()
	var me struct{ Locale string }
	env.Query(tb, token, meLocale, nil).Decode(tb, "me", &me)
	return me.Locale
}

// TestRegisterLocale: an account's language is the one register names, else the best match of
// the request's Accept-Language, else English; one the server lacks is refused, and no account made.
func TestRegisterLocale(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	for _, tc := range []struct {
		name, header string
		input        any
		want         string
	}{
		{"FromInput", "", "de", "de"},
		{"FromInputOverHeader", "de-DE,de;q=0.9", "en", "en"},
		{"FromInputRegional", "", "de-CH", "de"},
		{"FromAcceptLanguage", "fr-FR,fr;q=0.9,de;q=0.8,en;q=0.5", nil, "de"},
		{"DefaultUnsupportedHeader", "fr-FR,fr;q=0.9", nil, "en"},
		{"DefaultNoHeader", "", nil, "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ToLower(tc.name)
			r := queryIn(t, env, tc.header, "", registerLocale, map[string]any{"u": name, "e": name + "@example.com", "p": "first-password-1", "l": tc.input})
			var s struct {
				AccessToken string
				User        struct{ Locale string }
			}
			r.Decode(t, "register", &s)
			if s.User.Locale != tc.want || localeOf(t, env, s.AccessToken) != tc.want {
				t.Errorf("locale = %q, me says %q; want %q", s.User.Locale, localeOf(t, env, s.AccessToken), tc.want)
			}
		})
	}
	t.Run("ErrUnsupported", func(t *testing.T) {
		r := queryIn(t, env, "de", "", registerLocale, map[string]any{"u": "frank", "e": "frank@example.com", "p": "first-password-1", "l": "fr"})
		wantError(t, r, "BAD_USER_INPUT", "locale", "")
		wantError(t, login(t, env, "frank@example.com", "first-password-1"), "UNAUTHENTICATED", "", "")
	})
}

// TestSetLocale: the signed-in account changes the language of its mail, and the next mail
// comes in it.
func TestSetLocale(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	t.Run("OK", func(t *testing.T) {
		var u struct{ ID, Locale string }
		env.Query(t, s.AccessToken, setLocale, map[string]any{"l": "de-AT"}).Decode(t, "setLocale", &u)
		if u.Locale != "de" || u.ID != s.User.ID || localeOf(t, env, s.AccessToken) != "de" {
			t.Errorf("setLocale = %+v, me says %q; want de", u, localeOf(t, env, s.AccessToken))
		}
		// Whatever language the request asks in, the mail is in the account's.
		wantOK(t, queryIn(t, env, "en", "", apptest.ForgotMutation, map[string]any{"e": "alice@example.com"}))
		m := mail(t, env, 1)
		wantAlternative(t, m)
		if m.Parsed.Subject != "Setzen Sie Ihr "+env.App.Config.AppName+"-Passwort zurück" || !strings.Contains(m.Parsed.HTML, `<html lang="de">`) {
			t.Errorf("reset mail %q is not German", m.Parsed.Subject)
		}
		if flat := strings.Join(strings.Fields(m.Parsed.Text), " "); !strings.Contains(flat, "Hallo alice,") || !strings.Contains(flat, "kann einmal verwendet werden") {
			t.Errorf("text part is not German:\n%s", m.Parsed.Text)
		}
	})
	t.Run("ErrUnsupported", func(t *testing.T) {
		wantError(t, env.Query(t, s.AccessToken, setLocale, map[string]any{"l": "fr"}), "BAD_USER_INPUT", "locale", "")
		wantError(t, env.Query(t, s.AccessToken, setLocale, map[string]any{"l": "not a tag"}), "BAD_USER_INPUT", "locale", "")
		if got := localeOf(t, env, s.AccessToken); got != "de" {
			t.Errorf("locale = %q after refused changes, want de", got)
		}
	})
	t.Run("ErrUnauthenticated", func(t *testing.T) {
		wantError(t, env.Query(t, "", setLocale, map[string]any{"l": "en"}), "UNAUTHENTICATED", "", "")
	})
}

// TestSignUpLocale: a sign-up link, to an address with no account, comes in the language the
// request asked in, and the account it creates keeps that language; a notice to an address that
// has an account comes in the account's language, whatever the request asked.
func TestSignUpLocale(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: quickHashing})
	wantOK(t, queryIn(t, env, "de-DE,de;q=0.9", "", signUpLocale, map[string]any{"u": "bruno", "e": "bruno@example.com", "p": "first-password-1"}))
	m := mail(t, env, 1)
	if m.Parsed.Subject != "Schließen Sie die Erstellung Ihres "+env.App.Config.AppName+"-Kontos ab" {
		t.Errorf("sign-up link %q is not German", m.Parsed.Subject)
	}
	s := env.Verify(t, env.VerifyTokenFromMail(t, 1))
	if got := localeOf(t, env, s.AccessToken); got != "de" {
		t.Errorf("account made by a German sign-up: locale %q, want de", got)
	}

	env.Register(t, "alice", "alice@example.com", "first-password-1")
	wantOK(t, queryIn(t, env, "de", "", signUpLocale, map[string]any{"u": "mallory", "e": "alice@example.com", "p": "mallorys-password-1"}))
	if n := mail(t, env, 2); !strings.Contains(n.Parsed.Subject, "tried to create") {
		t.Errorf("notice to an English account: %q, want English", n.Parsed.Subject)
	}
	t.Run("ErrUnsupported", func(t *testing.T) {
		wantError(t, signUpIn(t, env, "fr"), "BAD_USER_INPUT", "locale", "")
	})
}

func signUpIn(tb testing.TB, env *apptest.Env, lang string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, "", signUpLocale, map[string]any{"u": "carol", "e": "carol@example.com", "p": "first-password-1", "l": lang})
}
