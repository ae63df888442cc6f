package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// EmailVerificationToken is an outstanding link that proves an account's address
// (sendVerificationEmail); only the SHA-256 of the token is kept.
type EmailVerificationToken struct {
	ent.Schema
}

// Fields of the EmailVerificationToken.
func (EmailVerificationToken) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		// The address the link was mailed to: it proves that one, not a later one.
		field.String("email").NotEmpty().MaxLen(254),
		field.String("token_hash").Unique().MinLen(64).MaxLen(64).Sensitive(),
		field.Time("expires_at"),
		field.Time("created_at").Default(utcNow).Immutable(),
	}
}

// Edges of the EmailVerificationToken.
func (EmailVerificationToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("verification_tokens").Field("user_id").Unique().Required(),
	}
}

// Indexes of the EmailVerificationToken.
func (EmailVerificationToken) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id"), index.Fields("expires_at")}
}
