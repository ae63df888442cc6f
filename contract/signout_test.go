package contract_test

import (
	"slices"
	"testing"
	"time"

	"latchkey/app/apptest"
)

func signOut(tb testing.TB, env *apptest.Env, token string, scope any) *apptest.Response {
	tb.Helper()
	return env.Query(tb, token, apptest.SignOutMutation, map[string]any{"s": scope})
}

func revokeSession(tb testing.TB, env *apptest.Env, token, id string) *apptest.Response {
	tb.Helper()
	return env.Query(tb, token, apptest.RevokeSessionMutation, map[string]any{"id": id})
}

// threeSessions registers alice and signs her in twice more.
func threeSessions(t *testing.T, env *apptest.Env) []apptest.Session {
	return []apptest.Session{
		env.Register(t, "alice", "alice@example.com", "first-password-1"),
		env.Login(t, "alice@example.com", "first-password-1"),
		env.Login(t, "alice@example.com", "first-password-1"),
	}
}

// wantEnded checks that neither the access token nor the refresh token of s works any more.
func wantEnded(tb testing.TB, env *apptest.Env, s apptest.Session) {
	tb.Helper()
	wantSignedOut(tb, env, s.AccessToken)
	wantError(tb, env.Refresh(tb, s.RefreshToken), "UNAUTHENTICATED", "", "")
}

func wantAlive(tb testing.TB, env *apptest.Env, s apptest.Session) apptest.Session {
	tb.Helper()
	meEmail(tb, env, s.AccessToken)
	return refreshed(tb, env, s.RefreshToken)
}

func TestSignOutScopes(t *testing.T) {
	t.Run("THIS", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{})
		s := threeSessions(t, env)
		r := signOut(t, env, s[0].AccessToken, nil) // the default scope
		if got := message(t, r, "signOut"); got != "You are signed out." {
			t.Errorf("message = %q", got)
		}
		wantEnded(t, env, s[0])
		wantAlive(t, env, s[1])
		wantAlive(t, env, s[2])
		wantError(t, signOut(t, env, s[0].AccessToken, "THIS"), "UNAUTHENTICATED", "", "")
	})
	t.Run("OTHERS", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{})
		s := threeSessions(t, env)
		wantOK(t, signOut(t, env, s[1].AccessToken, "OTHERS"))
		wantEnded(t, env, s[0])
		wantEnded(t, env, s[2])
		wantAlive(t, env, s[1])
	})
	t.Run("ALL", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{})
		s := threeSessions(t, env)
		bob := env.Register(t, "bob", "bob@example.com", "first-password-1")
		wantOK(t, signOut(t, env, s[2].AccessToken, "ALL"))
		for _, x := range s {
			wantEnded(t, env, x)
		}
		wantAlive(t, env, bob)
	})
	t.Run("ErrSignedOut", func(t *testing.T) {
		env := apptest.Start(t, apptest.Setup{})
		wantError(t, signOut(t, env, "", "ALL"), "UNAUTHENTICATED", "", "")
	})
}

func TestSessionList(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	s := threeSessions(t, env)
	list := env.Sessions(t, s[1].AccessToken)
	if len(list) != 3 {
		t.Fatalf("sessions = %+v, want 3", list)
	}
	var current []string
	for _, x := range list {
		if x.Current {
			current = append(current, x.ID)
		}
		if x.IPAddress == nil || *x.IPAddress != "127.0.0.1" || x.UserAgent == nil || *x.UserAgent == "" {
			t.Errorf("session %+v lacks the client's address or user agent", x)
		}
		if x.CreatedAt == "" || x.LastUsedAt == "" {
			t.Errorf("session %+v lacks its times", x)
		}
	}
	if len(current) != 1 {
		t.Fatalf("current sessions = %v, want exactly one", current)
	}
	if again := env.Sessions(t, s[0].AccessToken); slices.ContainsFunc(again, func(x apptest.SessionInfo) bool { return x.Current && x.ID == current[0] }) {
		t.Error("another session's list marks the same session current")
	}

	wantOK(t, revokeSession(t, env, s[0].AccessToken, current[0]))
	wantEnded(t, env, s[1])
	if after := env.Sessions(t, s[0].AccessToken); len(after) != 2 || slices.ContainsFunc(after, func(x apptest.SessionInfo) bool { return x.ID == current[0] }) {
		t.Errorf("after revokeSession the list is %+v", after)
	}

	t.Run("ErrNotTheirs", func(t *testing.T) {
		bob := env.Register(t, "bob", "bob@example.com", "first-password-1")
		bobs := env.Sessions(t, bob.AccessToken)[0].ID
		theirs := wantError(t, revokeSession(t, env, s[0].AccessToken, bobs), "BAD_USER_INPUT", "id", "")
		unknown := wantError(t, revokeSession(t, env, s[0].AccessToken, "AAAAAAAAAAAAAAAAAAAAAA"), "BAD_USER_INPUT", "id", "")
		if theirs.Message != unknown.Message {
			t.Errorf("another user's session says %q, an unknown one %q", theirs.Message, unknown.Message)
		}
		wantError(t, revokeSession(t, env, s[0].AccessToken, current[0]), "BAD_USER_INPUT", "id", unknown.Message)
		wantAlive(t, env, bob)
	})
	t.Run("ErrOnlyOnMe", func(t *testing.T) {
		r := env.Query(t, "", `mutation($e:String!,$p:String!){login(input:{email:$e,password:$p}){user{sessions{id}}}}`,
			map[string]any{"e": "alice@example.com", "p": "first-password-1"})
		wantError(t, r, "UNAUTHENTICATED", "", "")
	})
}

// TestPasswordChangesEndSessions: a reset ends every session; a change every other, and the
// changer's new session works.
func TestPasswordChangesEndSessions(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	s := threeSessions(t, env)
	r := changePassword(t, env, s[0].AccessToken, "first-password-1", "second-password-2")
	wantOK(t, r)
	var payload struct{ Session apptest.Session }
	r.Decode(t, "changePassword", &payload)
	for _, x := range s {
		wantEnded(t, env, x)
	}
	fresh := wantAlive(t, env, payload.Session)
	if list := env.Sessions(t, fresh.AccessToken); len(list) != 1 || !list[0].Current {
		t.Errorf("after the change the sessions are %+v, want only the changer's", list)
	}

	env.Clock.Advance(2 * time.Minute) // RESET_MAIL_MIN_INTERVAL_SECONDS after the "changed" notice
	wantOK(t, forgot(t, env, "alice@example.com"))
	wantOK(t, reset(t, env, env.ResetTokenFromMail(t, 2), "third-password-3"))
	wantEnded(t, env, fresh)
	wantAlive(t, env, env.Login(t, "alice@example.com", "third-password-3"))
}
