package contract_test

import (
	"reflect"
	"testing"

	"latchkey/app/apptest"
)

// fieldError is what a client reads of one BAD_USER_INPUT error.
type fieldError struct{ field, message string }

// wantFieldErrors checks that r failed with exactly the field errors want, in that order, each
// BAD_USER_INPUT with its extensions.field and the path of the operation's root field.
func wantFieldErrors(tb testing.TB, r *apptest.Response, root string, want ...fieldError) {
	tb.Helper()
	if len(r.Errors) != len(want) {
		tb.Fatalf("want %d errors, got %s", len(want), r.Body)
	}
	for i, e := range r.Errors {
		if e.Extensions["code"] != "BAD_USER_INPUT" {
			tb.Errorf("error %d: code = %v, want BAD_USER_INPUT", i, e.Extensions["code"])
		}
		got := fieldError{field: str(e.Extensions["field"]), message: e.Message}
		if want[i].message == "" {
			got.message = ""
		}
		if got != want[i] {
			tb.Errorf("error %d = %+v, want %+v", i, got, want[i])
		}
		if !reflect.DeepEqual(e.Path, []any{root}) {
			tb.Errorf("error %d: path = %v, want [%s]", i, e.Path, root)
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }

const (
	badUsernameMessage = "Username may contain only letters, digits, dots, dashes and underscores"
	badEmailMessage    = "Enter a valid email address"
)

// TestEveryFieldErrorAtOnce: three wrong fields are answered with three errors, one per field,
// in the input's order, each with the message it has alone; one wrong field is answered as ever.
func TestEveryFieldErrorAtOnce(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	short := wantError(t, register(t, env, "bob", "bob@example.com", "short"), "BAD_USER_INPUT", "password", "").Message
	three := []fieldError{{"username", badUsernameMessage}, {"email", badEmailMessage}, {"password", short}}

	t.Run("Register", func(t *testing.T) {
		wantFieldErrors(t, register(t, env, "b b", "not-an-email", "short"), "register", three...)
	})
	t.Run("SignUp", func(t *testing.T) {
		wantFieldErrors(t, signUp(t, env, "b b", "not-an-email", "short"), "signUp", three...)
	})
	t.Run("TakenUsernameWithTheRest", func(t *testing.T) {
		wantFieldErrors(t, signUp(t, env, "alice", "not-an-email", "short"), "signUp",
			fieldError{"username", "This username is taken"}, fieldError{"email", badEmailMessage}, fieldError{"password", short})
	})
	t.Run("OneWrongFieldUnchanged", func(t *testing.T) {
		wantError(t, register(t, env, "b b", "bob@example.com", "bob-password-1"), "BAD_USER_INPUT", "username", badUsernameMessage)
		wantError(t, signUp(t, env, "bob", "not-an-email", "bob-password-1"), "BAD_USER_INPUT", "email", badEmailMessage)
	})
	t.Run("ChangePassword", func(t *testing.T) {
		r := env.Query(t, s.AccessToken, apptest.ChangeMutation, map[string]any{"c": "wrong-password-1", "n": "short"})
		wantFieldErrors(t, r, "changePassword",
			fieldError{"currentPassword", "Current password is incorrect"}, fieldError{"newPassword", short})
	})
	t.Run("ChangeEmail", func(t *testing.T) {
		wantFieldErrors(t, env.ChangeEmail(t, s.AccessToken, "not-an-email", "wrong-password-1"), "changeEmail",
			fieldError{"newEmail", badEmailMessage}, fieldError{"password", "Current password is incorrect"})
	})
	wantOK(t, env.Query(t, s.AccessToken, apptest.MeQuery, nil))
}

// TestFieldErrorsTellNothingOfTheEmail: signUp's errors for wrong fields are the same whether or
// not the email has an account, and none is about the email being taken.
func TestFieldErrorsTellNothingOfTheEmail(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	env.Register(t, "alice", "alice@example.com", "first-password-1")
	for name, input := range map[string][2]string{
		"BadUsername": {"b b", "a-fine-password-1"},
		"BadPassword": {"bobby", "short"},
		"BothBad":     {"b b", "short"},
	} {
		t.Run(name, func(t *testing.T) {
			known := signUp(t, env, input[0], "alice@example.com", input[1])
			unknown := signUp(t, env, input[0], "nobody@example.com", input[1])
			if len(known.Errors) == 0 || !reflect.DeepEqual(known.Errors, unknown.Errors) {
				t.Errorf("errors differ:\n%s\n%s", known.Body, unknown.Body)
			}
		})
	}
}
