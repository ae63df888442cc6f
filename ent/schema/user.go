package schema

import (
	"context"
	"errors"
	"strings"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
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
		// Set by the hook below from username, so the database keeps usernames unique
		// whatever their case, even for two registrations at once.
		field.String("username_key").Unique().NotEmpty().MaxLen(64),
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
		// True once the owner has shown they read mail at this address (a verification link or
		// a completed password reset).
		field.Bool("email_verified").Default(false),
		// Set by an operator (server users disable): no sign-in, refresh or mail until enabled.
		field.Bool("disabled").Default(false),
		// The BCP 47 tag of the language of the account's mail, one the locale package supports.
		field.String("locale").Default("en").NotEmpty().MaxLen(35),
	}
}

// Annotations of the User: every signed-in request reads its user by id.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{ReadByID{}}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("reset_tokens", PasswordResetToken.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("verification_tokens", EmailVerificationToken.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("email_changes", EmailChange.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("sessions", Session.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Hooks of the User.
func (User) Hooks() []ent.Hook {
	return []ent.Hook{foldUsername}
}

// UsernameKey is the form of a username that must be unique: usernames are ASCII, so lower case.
func UsernameKey(username string) string { return strings.ToLower(username) }

// foldUsername derives username_key on every create and update that sets username, so that no
// code path can store one without the other.
func foldUsername(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if v, ok := m.Field("username"); ok {
			if err := m.SetField("username_key", UsernameKey(v.(string))); err != nil {
				return nil, err
			}
		} else if _, ok := m.Field("username_key"); ok {
			return nil, errors.New("schema: username_key is derived from username; set username")
		}
		return next.Mutate(ctx, m)
	})
}

func utcNow() time.Time { return time.Now().UTC() }
