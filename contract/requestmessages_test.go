package contract_test

import (
	"net/http"
	"strings"
	"testing"

	"latchkey/app/apptest"
)

// TestRequestMessagesForPeople: a malformed request is answered BAD_USER_INPUT with a message
// a person can act on, in GraphQL's terms, never in Go's.
func TestRequestMessagesForPeople(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{NoWorker: true})
	const (
		forgotVar   = `mutation($e:String!){forgotPassword(input:{email:$e}){message}}`
		forgotInput = `mutation($i:ForgotPasswordInput!){forgotPassword(input:$i){message}}`
		revoke      = `mutation($id:ID!){revokeSession(input:{id:$id}){message}}`
		twoOps      = `query A{__typename} query B{__typename}`
	)
	for name, tc := range map[string]struct{ body, want string }{
		"BadJSON":          {`{"query":`, "The request body must be a JSON object with query, variables and operationName"},
		"MissingQuery":     {`{"variables":{}}`, "A query is required"},
		"NumberForString":  {op(t, forgotVar, `{"e":5}`, ""), "Variable $e must be a String, not a number"},
		"BoolInInput":      {op(t, forgotInput, `{"i":{"email":true}}`, ""), "Variable $i.email must be a String, not a boolean"},
		"StringForInput":   {op(t, forgotInput, `{"i":"a@example.com"}`, ""), "Variable $i must be a ForgotPasswordInput object, not a string"},
		"UnknownInputKey":  {op(t, forgotInput, `{"i":{"email":"a@example.com","mail":"x"}}`, ""), `Variable $i has no field "mail"`},
		"MissingInputKey":  {op(t, forgotInput, `{"i":{}}`, ""), `Variable $i lacks the required field "email"`},
		"MissingVariable":  {op(t, forgotVar, `{}`, ""), "Variable $e is required"},
		"NullVariable":     {op(t, forgotVar, `{"e":null}`, ""), "Variable $e must not be null"},
		"BadEnumValue":     {op(t, apptest.SignOutMutation, `{"s":"EVERYWHERE"}`, ""), `Variable $s must be one of the values of SignOutScope, not "EVERYWHERE"`},
		"FractionalID":     {op(t, revoke, `{"id":1.5}`, ""), "Variable $id must be an ID: a string or a whole number"},
		"UnknownOperation": {op(t, twoOps, `{}`, "C"), `The document has no operation named "C"`},
		"UnnamedOfTwo":     {op(t, twoOps, `{}`, ""), "The document holds more than one operation: name the one to run in operationName"},
		"NoOperation":      {op(t, `fragment F on Query{__typename}`, `{}`, ""), "The document holds no operation: send a query or a mutation"},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, env.URL()+"/graphql", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			r := env.Do(t, req)
			e := wantError(t, r, "BAD_USER_INPUT", "", tc.want)
			for _, goWord := range []string{"float64", " bool ", "map", "not found", "  ", "cannot use", "must be defined"} {
				if strings.Contains(e.Message, goWord) {
					t.Errorf("message %q has Go's wording %q", e.Message, goWord)
				}
			}
		})
	}
}

// op is the JSON body of one operation with vars (JSON) and operationName name.
func op(tb testing.TB, query, vars, name string) string {
	tb.Helper()
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(query)
	return `{"query":"` + q + `","variables":` + vars + `,"operationName":"` + name + `"}`
}
