package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// EmailChange is an account's pending move to a new address: at most one per account, the
// newest request's. Only the SHA-256 of its link's token is kept, once the link is mailed.
type EmailChange struct {
	ent.Schema
}

// Fields of the EmailChange.
func (EmailChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.String("new_email").NotEmpty().MaxLen(254),
		// The outbox row of the request that made it: a mail worker handling an older request
		// of the account finds it replaced and sends no link.
		field.Int("request_id"),
		// The account's session version when it was asked for: a password change or reset
		// since then voids it.
		field.Int("session_version"),
		// Empty until the worker mails the link.
		field.String("token_hash").Optional().Nillable().Unique().MinLen(64).MaxLen(64).Sensitive(),
		field.Time("expires_at"),
		field.Time("created_at").Default(utcNow).Immutable(),
	}
}

// Edges of the EmailChange.
func (EmailChange) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("email_changes").Field("user_id").Unique().Required(),
	}
}

// Indexes of the EmailChange.
func (EmailChange) Indexes() []ent.Index {
	// One per account: two requests at once cannot both leave a pending change.
	return []ent.Index{index.Fields("user_id").Unique()}
}
