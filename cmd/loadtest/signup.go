package main

import (
	"context"
	"database/sql"
	"fmt"
)

const (
	signUpQuery = `mutation($u:String!,$e:String!,$p:String!){signUp(input:{username:$u,email:$e,password:$p}){message}}`
	// signUpMixedPhase interleaves addresses with an account and addresses without one, request by
	// request, so that both meet the same conditions: the timing comparison of signUp.
	signUpMixedPhase = "signUp, known and unknown interleaved"
	signUpPassword   = "loadtest sign-up long password"
)

// signUpBodies are n sign-ups for email(i), each with a username of its own that no account has
// (no sign-up of the run creates an account: nobody opens the links).
func signUpBodies(n int, prefix string, email func(int) string) [][]byte {
	b := make([][]byte, n)
	for i := range b {
		b[i] = mustJSON(map[string]any{"query": signUpQuery, "variables": map[string]string{
			"u": fmt.Sprintf("%s%06d", prefix, i), "e": email(i), "p": signUpPassword,
		}})
	}
	return b
}

// measureSignUp runs the signUp phase: each request costs one argon2id hash, so it is measured
// like login, with known and unknown addresses interleaved, then lets the worker send the
// notices and links it queued.
func measureSignUp(ctx context.Context, m *measurer, rep *report, outbox *sql.DB, known []int) {
	knownBodies := m.l.render(signUpBodies(len(known), "signupk", func(i int) string { return userEmail(known[i]) }), "")
	unknownBodies := m.l.render(signUpBodies(len(known), "signupu", func(i int) string { return fmt.Sprintf("newcomer%06d@example.net", i) }), "")
	rep.add(m.phase(ctx, phase{name: signUpMixedPhase, next: alternate(knownBodies, unknownBodies), ok: []byte(`"signUp":{`)}))
	rep.drain(ctx, outbox, "after "+signUpMixedPhase)
}
