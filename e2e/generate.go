// Package e2e holds the browser tests (in package e2e_test) and the tools they load into pages.
package e2e

// axe-core, injected into pages by the tests, from the npm registry at the version npm.json pins.
//go:generate go -C .. run ./cmd/npmvendor -dir e2e/testdata/npm
