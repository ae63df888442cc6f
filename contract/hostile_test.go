package contract_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"latchkey/account"
	"latchkey/app/apptest"
)

// cheapArgon2 keeps the many registrations of these tests fast; hashing strength is not their subject.
var cheapArgon2 = account.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// wantNotRegistered checks that a refused request did not create the account: it can still be
// registered now.
func wantNotRegistered(tb testing.TB, env *apptest.Env, username, email string) {
	tb.Helper()
	r := env.Query(tb, "", apptest.RegisterMutation, map[string]any{"u": username, "e": email, "p": "a-fine-password-1"})
	if len(r.Errors) > 0 {
		tb.Errorf("the refused request ran: registering %s now fails: %s", email, r.Body)
	}
}

func registerBody(tb testing.TB, username string) string {
	tb.Helper()
	return operation(tb, apptest.RegisterMutation, map[string]any{"u": username, "e": username + "@example.com", "p": "a-fine-password-1"})
}

func TestBodySizeLimit(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	const limit = 1 << 20
	pad := func(body string, size int) string { return body + strings.Repeat(" ", size-len(body)) }

	t.Run("OneMiBIsAccepted", func(t *testing.T) {
		r := postJSON(t, env, pad(`{"query":"{__typename}"}`, limit), nil)
		if r.Status != http.StatusOK || string(r.Data["__typename"]) != `"Query"` {
			t.Fatalf("HTTP %d: %.300s", r.Status, r.Body)
		}
	})

	t.Run("ErrOneByteMore", func(t *testing.T) {
		r := postJSON(t, env, pad(registerBody(t, "big"), limit+1), nil)
		wantRefused(t, r, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT")
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options = %q", got)
		}
		wantNotRegistered(t, env, "big", "big@example.com")
	})

	t.Run("ErrHugeVariable", func(t *testing.T) {
		r := postJSON(t, env, operation(t, apptest.ForgotMutation, map[string]any{"e": strings.Repeat("a", 2*limit)}), nil)
		wantRefused(t, r, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT")
	})
}

// Browsers send text/plain, form and multipart bodies cross-site without asking first; none of
// them may run an operation.
func TestOnlyJSONIsPosted(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	form := url.Values{"query": {apptest.RegisterMutation}, "variables": {`{"u":"form","e":"form@example.com","p":"a-fine-password-1"}`}}
	var multi bytes.Buffer
	mw := multipart.NewWriter(&multi)
	_ = mw.WriteField("operations", registerBody(t, "multi"))
	_ = mw.Close()

	for _, tc := range []struct {
		name, contentType, body, username string
	}{
		{"ErrTextPlain", "text/plain", registerBody(t, "plain"), "plain"},
		{"ErrTextPlainCharset", "text/plain;charset=UTF-8", registerBody(t, "plaincs"), "plaincs"},
		{"ErrForm", "application/x-www-form-urlencoded", form.Encode(), "form"},
		{"ErrMultipart", mw.FormDataContentType(), multi.String(), "multi"},
		{"ErrNoContentType", "", registerBody(t, "none"), "none"},
		{"ErrGraphQLMediaType", "application/graphql", apptest.RegisterMutation, "gql"},
		{"ErrMalformedContentType", "application/json; =", registerBody(t, "malformed"), "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.contentType != "" {
				h.Set("Content-Type", tc.contentType)
			}
			r := sendRaw(t, env, http.MethodPost, "/graphql", h, strings.NewReader(tc.body))
			wantRefused(t, r, http.StatusUnsupportedMediaType, "BAD_USER_INPUT")
			wantNotRegistered(t, env, tc.username, tc.username+"@example.com")
		})
	}

	t.Run("JSONWithCharsetIsAccepted", func(t *testing.T) {
		r := sendRaw(t, env, http.MethodPost, "/graphql", http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			strings.NewReader(`{"query":"{__typename}"}`))
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
	})
}

func TestNoMutationOverGET(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	vars := `{"u":"viaget","e":"viaget@example.com","p":"a-fine-password-1"}`

	t.Run("ErrMutation", func(t *testing.T) {
		r := getQuery(t, env, url.Values{"query": {apptest.RegisterMutation}, "variables": {vars}}, nil)
		wantRefused(t, r, http.StatusMethodNotAllowed, "BAD_USER_INPUT")
		if got := r.Header.Get("Allow"); got != "POST" {
			t.Errorf("Allow = %q, want POST", got)
		}
		wantNotRegistered(t, env, "viaget", "viaget@example.com")
	})

	t.Run("ErrMutationChosenByName", func(t *testing.T) {
		r := getQuery(t, env, url.Values{
			"query":         {"query Q{__typename} " + strings.Replace(apptest.RegisterMutation, "mutation(", "mutation M(", 1)},
			"variables":     {strings.ReplaceAll(vars, "viaget", "byname")},
			"operationName": {"M"},
		}, nil)
		wantRefused(t, r, http.StatusMethodNotAllowed, "BAD_USER_INPUT")
		wantNotRegistered(t, env, "byname", "byname@example.com")
	})

	for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		t.Run("Err"+method, func(t *testing.T) {
			r := sendRaw(t, env, method, "/graphql", http.Header{"Content-Type": {"application/json"}}, strings.NewReader(registerBody(t, "m"+strings.ToLower(method))))
			wantRefused(t, r, http.StatusMethodNotAllowed, "BAD_USER_INPUT")
			if got := r.Header.Get("Allow"); got != "GET, POST" {
				t.Errorf("Allow = %q, want GET, POST", got)
			}
			wantNotRegistered(t, env, "m"+strings.ToLower(method), "m"+strings.ToLower(method)+"@example.com")
		})
	}
}

func TestMalformedBodies(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	for name, body := range map[string]string{
		"ErrBatch":             `[` + registerBody(t, "batch") + `]`,
		"ErrBatchAfterSpace":   " \n[" + registerBody(t, "batch") + `]`,
		"ErrEmpty":             ``,
		"ErrNotJSON":           `query { __typename }`,
		"ErrTruncated":         `{"query":"{__typename}"`,
		"ErrNull":              `null`,
		"ErrString":            `"{__typename}"`,
		"ErrNoQuery":           `{}`,
		"ErrBlankQuery":        `{"query":"  "}`,
		"ErrQueryNotString":    `{"query":42}`,
		"ErrQueryIsObject":     `{"query":{"a":1}}`,
		"ErrVariablesArray":    `{"query":"{__typename}","variables":[]}`,
		"ErrVariablesString":   `{"query":"{__typename}","variables":"{}"}`,
		"ErrOperationNameNum":  `{"query":"{__typename}","operationName":5}`,
		"ErrUnknownField":      `{"query":"{__typename}","mutation":"x"}`,
		"ErrTwoObjects":        `{"query":"{__typename}"}{"query":"{__typename}"}`,
		"ErrTrailingGarbage":   `{"query":"{__typename}"} x`,
		"ErrInvalidUTF8":       "{\"query\":\"{__typename}\",\"variables\":{\"e\":\"\xff\xfe\"}}",
		"ErrInvalidUTF8Query":  "{\"query\":\"{checkResetToken(token:\\\"\xc3\\\"){valid}}\"}",
		"ErrLoneSurrogate":     `{"query":"{__typename}","variables":{"e":"a\udc00b"}}`,
		"ErrUnpairedSurrogate": `{"query":"{__typename}","variables":{"e":"a\ud800"}}`,
		"ErrNULOutsideString":  "{\"query\":\"{__typename}\"}\x00",
	} {
		t.Run(name, func(t *testing.T) {
			wantRefused(t, postJSON(t, env, body, nil), http.StatusBadRequest, "BAD_USER_INPUT")
		})
	}
	t.Run("EscapedBackslashIsNotAnEscape", func(t *testing.T) {
		r := postJSON(t, env, `{"query":"query($t:String!){checkResetToken(token:$t){valid}}","variables":{"t":"\\ud800"}}`, nil)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
	})
	t.Run("SurrogatePairIsAccepted", func(t *testing.T) {
		r := postJSON(t, env, `{"query":"query($t:String!){checkResetToken(token:$t){valid}}","variables":{"t":"\ud83d\ude00"}}`, nil)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
	})
	wantNotRegistered(t, env, "batch", "batch@example.com")
}

// TestHostileFieldValues sends values no form would: wrong types, 10 000 characters, NUL bytes.
// Each is refused with the contract's code for that operation, and never as an internal error.
func TestHostileFieldValues(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	s := env.Register(t, "alice", "alice@example.com", "first-password-1")
	long := strings.Repeat("a", 10_000)
	longEmail := long + "@example.com"

	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		code        string // "" when the operation answers without an error
	}{
		{"RegisterLongEmail", apptest.RegisterMutation, map[string]any{"u": "bob", "e": longEmail, "p": "a-fine-password-1"}, "BAD_USER_INPUT"},
		{"RegisterLongUsername", apptest.RegisterMutation, map[string]any{"u": long, "e": "bob@example.com", "p": "a-fine-password-1"}, "BAD_USER_INPUT"},
		{"RegisterLongPassword", apptest.RegisterMutation, map[string]any{"u": "bob", "e": "bob@example.com", "p": long}, "BAD_USER_INPUT"},
		{"RegisterNULEmail", apptest.RegisterMutation, map[string]any{"u": "bob", "e": "bob\x00@example.com", "p": "a-fine-password-1"}, "BAD_USER_INPUT"},
		{"RegisterNULUsername", apptest.RegisterMutation, map[string]any{"u": "bob\x00", "e": "bob@example.com", "p": "a-fine-password-1"}, "BAD_USER_INPUT"},
		{"RegisterNULPassword", apptest.RegisterMutation, map[string]any{"u": "bob", "e": "bob@example.com", "p": "a-fine-\x00password-1"}, "BAD_USER_INPUT"},
		{"RegisterHeaderInjection", apptest.RegisterMutation, map[string]any{"u": "bob", "e": "bob@example.com\r\nBcc: x@evil.example", "p": "a-fine-password-1"}, "BAD_USER_INPUT"},
		{"RegisterNumberForString", apptest.RegisterMutation, map[string]any{"u": 5, "e": "bob@example.com", "p": "a-fine-password-1"}, "BAD_USER_INPUT"},
		{"RegisterObjectForString", apptest.RegisterMutation, map[string]any{"u": map[string]any{"$gt": ""}, "e": "bob@example.com", "p": "x"}, "BAD_USER_INPUT"},
		{"RegisterNullForString", apptest.RegisterMutation, map[string]any{"u": nil, "e": "bob@example.com", "p": "x"}, "BAD_USER_INPUT"},
		{"LoginLongEmail", apptest.LoginMutation, map[string]any{"e": longEmail, "p": "first-password-1"}, "UNAUTHENTICATED"},
		{"LoginLongPassword", apptest.LoginMutation, map[string]any{"e": "alice@example.com", "p": long}, "UNAUTHENTICATED"},
		{"LoginNULPassword", apptest.LoginMutation, map[string]any{"e": "alice@example.com", "p": "first-password-1\x00"}, "UNAUTHENTICATED"},
		{"LoginArrayForString", apptest.LoginMutation, map[string]any{"e": []string{"alice@example.com"}, "p": "first-password-1"}, "BAD_USER_INPUT"},
		{"ForgotLongEmail", apptest.ForgotMutation, map[string]any{"e": longEmail}, "BAD_USER_INPUT"},
		{"ForgotNULEmail", apptest.ForgotMutation, map[string]any{"e": "alice@example.com\x00"}, "BAD_USER_INPUT"},
		{"ForgotBooleanForString", apptest.ForgotMutation, map[string]any{"e": true}, "BAD_USER_INPUT"},
		{"ResetLongToken", apptest.ResetMutation, map[string]any{"t": long, "p": "a-fine-password-1"}, "INVALID_RESET_TOKEN"},
		{"ResetNULToken", apptest.ResetMutation, map[string]any{"t": strings.Repeat("\x00", 43), "p": "a-fine-password-1"}, "INVALID_RESET_TOKEN"},
		{"CheckLongToken", apptest.CheckQuery, map[string]any{"t": long}, ""},
		{"CheckNULToken", apptest.CheckQuery, map[string]any{"t": "\x00"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Query(t, "", tc.query, tc.vars)
			if r.Status >= 500 {
				t.Fatalf("HTTP %d: %s", r.Status, r.Body)
			}
			if tc.code == "" {
				wantOK(t, r)
				return
			}
			wantCodes(t, r, tc.code)
		})
	}

	t.Run("LongBearerToken", func(t *testing.T) {
		wantCodes(t, postJSON(t, env, operation(t, apptest.MeQuery, nil), http.Header{"Authorization": {"Bearer " + long}}), "UNAUTHENTICATED")
	})
	t.Run("NothingChanged", func(t *testing.T) {
		if got := meEmail(t, env, s.AccessToken); got != "alice@example.com" {
			t.Errorf("me.email = %q", got)
		}
		env.Login(t, "alice@example.com", "first-password-1")
	})
}

// introspectionQuery is graphql-js's getIntrospectionQuery with every option GraphiQL may turn
// on (descriptions, specifiedByUrl, directiveIsRepeatable, schemaDescription,
// inputValueDeprecation, oneOf) and its default typeDepth of 9, the deepest it asks by default.
const introspectionQuery = `
    query IntrospectionQuery {
      __schema {
        description
        queryType { name kind }
        mutationType { name kind }
        subscriptionType { name kind }
        types {
          ...FullType
        }
        directives {
          name
          description
          isRepeatable
          locations
          args(includeDeprecated: true) {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      specifiedByURL
      isOneOf
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        name
        kind
        ofType {
          name
          kind
          ofType {
            name
            kind
            ofType {
              name
              kind
              ofType {
                name
                kind
                ofType {
                  name
                  kind
                  ofType {
                    name
                    kind
                    ofType {
                      name
                      kind
                      ofType {
                        name
                        kind
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
`

// wantNotRun checks that r was refused before execution, with reason in extensions.
func wantNotRun(tb testing.TB, r *apptest.Response, reason string) {
	tb.Helper()
	wantCodes(tb, r, "BAD_USER_INPUT")
	if got := r.Errors[0].Extensions["reason"]; got != reason {
		tb.Errorf("extensions.reason = %v, want %s: %.300s", got, reason, r.Body)
	}
	if r.Data != nil {
		tb.Errorf("the operation ran: %.300s", r.Body)
	}
}

func TestQueryLimits(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})

	t.Run("FullIntrospectionQueryWorks", func(t *testing.T) {
		r := env.Query(t, "", introspectionQuery, nil)
		wantOK(t, r)
		var schema struct {
			Types []struct{ Name string }
		}
		r.Decode(t, "__schema", &schema)
		found := false
		for _, ty := range schema.Types {
			found = found || ty.Name == "User"
		}
		if !found {
			t.Errorf("type User not in the introspection result: %.300s", r.Body)
		}
	})

	t.Run("ErrDeepOfTypeChain", func(t *testing.T) {
		q := `{__schema{types{` + strings.Repeat("ofType{", 20) + "name" + strings.Repeat("}", 20) + `}}}`
		wantNotRun(t, env.Query(t, "", q, nil), "DEPTH_LIMIT_EXCEEDED")
	})

	t.Run("ErrDeepThroughFragments", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{__type(name:"User"){...T0}}`)
		for i := range 20 {
			fmt.Fprintf(&b, " fragment T%d on __Type{ofType{...T%d}}", i, i+1)
		}
		b.WriteString(" fragment T20 on __Type{name}")
		wantNotRun(t, env.Query(t, "", b.String(), nil), "DEPTH_LIMIT_EXCEEDED")
	})

	t.Run("ErrNestedTypeLists", func(t *testing.T) {
		q := `{__schema{types{fields{type{fields{type{fields{type{fields{name}}}}}}}}}}`
		wantNotRun(t, env.Query(t, "", q, nil), "GRAPHQL_VALIDATION_FAILED")
	})

	t.Run("ErrTooComplex", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{")
		for i := range 301 {
			fmt.Fprintf(&b, " a%d: __typename", i)
		}
		b.WriteString("}")
		wantNotRun(t, env.Query(t, "", b.String(), nil), "COMPLEXITY_LIMIT_EXCEEDED")
	})

	t.Run("ErrFragmentsThatDoubleEachTime", func(t *testing.T) {
		// 40 fragments, each spreading the next twice: 2^40 fields once expanded.
		var b strings.Builder
		b.WriteString("{...F0}")
		for i := range 40 {
			fmt.Fprintf(&b, " fragment F%d on Query{...F%d ...on Query{...F%d}}", i, i+1, i+1)
		}
		b.WriteString(" fragment F40 on Query{__typename}")
		wantNotRun(t, env.Query(t, "", b.String(), nil), "DOCUMENT_TOO_LARGE")
	})

	t.Run("ErrTooManyFields", func(t *testing.T) {
		// Validation compares fields pairwise: a long document is refused before that.
		q := "{" + strings.Repeat("__typename ", 1000) + "}"
		wantNotRun(t, env.Query(t, "", q, nil), "DOCUMENT_TOO_LARGE")
	})

	t.Run("ErrTooManyTokens", func(t *testing.T) {
		q := `{checkResetToken(token: "x", ` + strings.Repeat(`token: "x", `, 3000) + `){valid}}`
		wantNotRun(t, env.Query(t, "", q, nil), "GRAPHQL_PARSE_FAILED")
	})

	t.Run("FewErrorsForManyConflicts", func(t *testing.T) {
		q := "{" + strings.Repeat("a: __typename a: me{id} ", 100) + "}"
		r := env.Query(t, "", q, nil)
		wantNotRun(t, r, "GRAPHQL_VALIDATION_FAILED")
		if len(r.Errors) > 20 {
			t.Errorf("%d errors, want at most 20", len(r.Errors))
		}
	})
}

// TestRequestErrorReasons: every error gqlgen or gqlparser raises about the request document is
// BAD_USER_INPUT, with the original code in extensions.reason and nothing else added.
func TestRequestErrorReasons(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{})
	for _, tc := range []struct {
		name, body, reason string
	}{
		{"SyntaxError", operation(t, `{me{id`, nil), "GRAPHQL_PARSE_FAILED"},
		{"NoOperation", operation(t, `fragment F on Query{__typename}`, nil), "GRAPHQL_VALIDATION_FAILED"},
		{"UnknownField", operation(t, `{me{passwordHash}}`, nil), "GRAPHQL_VALIDATION_FAILED"},
		{"UnknownArgument", operation(t, `{me(id:1){id}}`, nil), "GRAPHQL_VALIDATION_FAILED"},
		{"UnknownOperationName", `{"query":"query A{__typename}","operationName":"B"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"AmbiguousOperation", operation(t, `query A{__typename} query B{__typename}`, nil), "GRAPHQL_VALIDATION_FAILED"},
		{"MissingVariable", operation(t, apptest.ForgotMutation, nil), "GRAPHQL_VALIDATION_FAILED"},
		{"NumberForString", operation(t, apptest.ForgotMutation, map[string]any{"e": 1}), "GRAPHQL_VALIDATION_FAILED"},
		{"NumberForStringInInput", operation(t, `mutation($i:ForgotPasswordInput!){forgotPassword(input:$i){message}}`,
			map[string]any{"i": map[string]any{"email": 12345}}), "GRAPHQL_VALIDATION_FAILED"},
		{"ObjectForString", operation(t, apptest.ForgotMutation, map[string]any{"e": map[string]any{}}), "GRAPHQL_VALIDATION_FAILED"},
		{"SubscriptionUnsupported", operation(t, `subscription{me{id}}`, nil), "GRAPHQL_VALIDATION_FAILED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postJSON(t, env, tc.body, nil)
			wantNotRun(t, r, tc.reason)
			for _, e := range r.Errors {
				if len(e.Extensions) != 2 {
					t.Errorf("extensions = %v, want only code and reason", e.Extensions)
				}
				if strings.Contains(e.Message, ".go") || strings.Contains(strings.ToLower(e.Message), "panic") {
					t.Errorf("message leaks internals: %q", e.Message)
				}
			}
		})
	}
}

// TestServerSurvivesHostileInput sends a burst of bad requests, then checks the server still
// answers health checks and real operations.
func TestServerSurvivesHostileInput(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Argon2: cheapArgon2})
	bodies := []string{
		`{"query":"` + strings.Repeat("{", 5000) + `"}`,
		`{"query":"{__typename}","variables":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
		`{"query":"query($e:String!){__typename}","variables":{"e":` + strings.Repeat(`{"a":`, 9000) + "1" + strings.Repeat("}", 9000) + `}}`,
		"{\"query\":\"{__typename}\"}" + strings.Repeat("\x00", 1000),
		`{"query":"` + strings.Repeat(`\u0000`, 10000) + `"}`,
		operation(t, strings.Repeat(`query{__typename} `, 2000), nil),
	}
	for i, body := range bodies {
		r := postJSON(t, env, body, nil)
		if r.Status >= 500 {
			t.Errorf("body %d: HTTP %d: %.300s", i, r.Status, r.Body)
		}
		for _, e := range r.Errors {
			if code, _ := e.Extensions["code"].(string); !contractCodes[code] || code == "INTERNAL_SERVER_ERROR" {
				t.Errorf("body %d: extensions.code = %q: %.300s", i, code, r.Body)
			}
		}
	}
	if r := sendRaw(t, env, http.MethodGet, "/healthz", nil, nil); r.Status != http.StatusOK {
		t.Errorf("/healthz: HTTP %d", r.Status)
	}
	env.Register(t, "after", "after@example.com", "a-fine-password-1")
}

// With GRAPHQL_INTROSPECTION=false the schema stays hidden: introspection is refused as the
// client's mistake, not run into an internal error, and no error suggests field names.
func TestIntrospectionOff(t *testing.T) {
	env := apptest.Start(t, apptest.Setup{Env: map[string]string{"GRAPHQL_INTROSPECTION": "false"}})
	for name, q := range map[string]string{
		"ErrSchema":            `{__schema{types{name}}}`,
		"ErrType":              `{__type(name:"User"){fields{name}}}`,
		"ErrInFragment":        `{...F} fragment F on Query{... on Query{__schema{queryType{name}}}}`,
		"ErrFullIntrospection": introspectionQuery,
	} {
		t.Run(name, func(t *testing.T) {
			wantNotRun(t, env.Query(t, "", q, nil), "INTROSPECTION_DISABLED")
		})
	}
	t.Run("TypenameStillWorks", func(t *testing.T) {
		wantOK(t, env.Query(t, "", `{__typename}`, nil))
	})
	t.Run("ErrNoSuggestions", func(t *testing.T) {
		r := env.Query(t, "", `{me{usernam}}`, nil)
		wantNotRun(t, r, "GRAPHQL_VALIDATION_FAILED")
		if strings.Contains(r.Errors[0].Message, "username") {
			t.Errorf("the error names a field of the hidden schema: %q", r.Errors[0].Message)
		}
	})
	t.Run("NothingLogged", func(t *testing.T) {
		if strings.Contains(env.Logs(), "internal error") {
			t.Errorf("a refused introspection was logged as an internal error:\n%s", env.Logs())
		}
	})
}
