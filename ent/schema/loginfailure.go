package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// LoginFailure counts failed password checks for one throttle key; kept in the database so
// that every replica sees the same count. Keys and accounts are HMACs, never raw emails.
type LoginFailure struct {
	ent.Schema
}

// Fields of the LoginFailure.
func (LoginFailure) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").Unique().NotEmpty().MaxLen(80),
		field.String("account").NotEmpty().MaxLen(64),
		field.Int("failures").Default(0).NonNegative(),
		field.Time("last_failed_at"),
	}
}

// Indexes of the LoginFailure.
func (LoginFailure) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account"), index.Fields("last_failed_at")}
}
