package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PasswordResetToken is an outstanding reset link; only the SHA-256 of the token is kept.
type PasswordResetToken struct {
	ent.Schema
}

// Fields of the PasswordResetToken.
func (PasswordResetToken) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.String("token_hash").Unique().MinLen(64).MaxLen(64).Sensitive(),
		field.Time("expires_at"),
		field.Time("created_at").Default(utcNow).Immutable(),
	}
}

// Edges of the PasswordResetToken.
func (PasswordResetToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("reset_tokens").Field("user_id").Unique().Required(),
	}
}

// Indexes of the PasswordResetToken.
func (PasswordResetToken) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id")}
}
