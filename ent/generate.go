package ent

//go:generate go run entgo.io/ent/cmd/ent generate --template ./template --feature sql/versioned-migration,sql/execquery ./schema
