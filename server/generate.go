package server

// GraphiQL and React, served by /playground, from the npm registry at the versions npm.json pins.
//go:generate go -C .. run ./cmd/npmvendor -dir server/npm
