// Package contract holds the black-box tests of Latchkey's public contract (the GraphQL API,
// its messages and codes, the mail it sends, its limits and logs), run through the real HTTP
// handler that app.New wires, on a real database and a real SMTP server (see app/apptest).
// Tests of one package's own behaviour live beside that package instead.
package contract

// graphql-js, whose printSchema the schema test compares schema.graphql with, from the npm
// registry at the version npm.json pins.
//go:generate go -C .. run ./cmd/npmvendor -dir contract/testdata/npm
