package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is an account that can sign in.
type User struct {
	ent.Schema
}

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").Unique().NotEmpty().MaxLen(64),
		// Stored lower-cased by the account package, so uniqueness is case-insensitive.
		field.String("email").Unique().NotEmpty().MaxLen(254),
		field.String("password_hash").Sensitive().NotEmpty(),
		// Carried in every access token; bumped on a password change or reset to revoke older tokens.
		field.Int("session_version").Default(1).NonNegative(),
		field.Time("created_at").Default(utcNow).Immutable(),
		field.Time("updated_at").Default(utcNow).UpdateDefault(utcNow),
		field.Time("last_reset_mail_at").Optional().Nillable(),
		field.Time("reset_mail_window_start").Optional().Nillable(),
		field.Int("reset_mails_in_window").Default(0).NonNegative(),
		// When the latest "password changed" mail was due; the next waits until 10 minutes after.
		field.Time("last_changed_mail_at").Optional().Nillable(),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("reset_tokens", PasswordResetToken.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

func utcNow() time.Time { return time.Now().UTC() }
