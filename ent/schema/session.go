package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Session is one sign-in of a user: its access tokens carry the id (sid) and stop working when
// the row is revoked, expires or goes.
type Session struct {
	ent.Schema
}

// Fields of the Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		// Random and public: the session list shows it and revokeSession takes it.
		field.String("id").NotEmpty().MaxLen(32).Immutable(),
		field.Int("user_id").Immutable(),
		field.Time("created_at").Default(utcNow).Immutable(),
		field.Time("last_used_at").Default(utcNow),
		// The absolute cap (SESSION_MAX_DAYS): no refresh extends it.
		field.Time("expires_at").Immutable(),
		// The idle expiry (REFRESH_TOKEN_EXPIRE_DAYS), moved on by every refresh.
		field.Time("refresh_expires_at"),
		field.Time("revoked_at").Optional().Nillable(),
		field.String("ip_address").Optional().MaxLen(64),
		field.String("user_agent").Optional().MaxLen(512),
	}
}

// Annotations of the Session: every signed-in request whose session is not cached reads it.
func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{ReadByID{}}
}

// Edges of the Session.
func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("sessions").Field("user_id").Unique().Required().Immutable(),
		edge.To("refresh_tokens", RefreshToken.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Session.
func (Session) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id"), index.Fields("refresh_expires_at")}
}

// RefreshToken is one refresh token a session was given; only its SHA-256 is kept. Used ones
// stay until the session goes, so that a second use of any of them is recognised as reuse.
type RefreshToken struct {
	ent.Schema
}

// Fields of the RefreshToken.
func (RefreshToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("session_id").Immutable(),
		field.String("token_hash").Unique().MinLen(64).MaxLen(64).Sensitive().Immutable(),
		field.Time("created_at").Default(utcNow).Immutable(),
		// Set when the token was exchanged for its successor.
		field.Time("used_at").Optional().Nillable(),
		// The successor, sealed with a key derived from SECRET_KEY, for a second use within
		// REFRESH_REUSE_GRACE_SECONDS (another tab refreshing at once); cleared after it.
		field.Bytes("successor_sealed").Optional().Nillable().Sensitive(),
	}
}

// Edges of the RefreshToken.
func (RefreshToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("session", Session.Type).Ref("refresh_tokens").Field("session_id").Unique().Required().Immutable(),
	}
}

// Indexes of the RefreshToken.
func (RefreshToken) Indexes() []ent.Index {
	return []ent.Index{index.Fields("session_id"), index.Fields("used_at")}
}
