package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PendingSignup is a sign-up for an address that has no account yet, waiting for its mailed
// link to be used; no account exists until then. One per address: a newer sign-up takes the
// row over and voids the older link. It reserves no username.
type PendingSignup struct {
	ent.Schema
}

// Fields of the PendingSignup.
func (PendingSignup) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").Unique().NotEmpty().MaxLen(254),
		field.String("username").NotEmpty().MaxLen(64),
		field.String("password_hash").Sensitive().NotEmpty(),
		// SHA-256 of the mailed link's token; null while the newest sign-up's mail was held back.
		field.String("token_hash").Optional().Nillable().Unique().MinLen(64).MaxLen(64).Sensitive(),
		// The outbox row of the sign-up that wrote this row: the highest wins.
		field.Int("request_id"),
		field.Time("expires_at"),
		// The address's verification mails, limited like reset mails to an account.
		field.Time("last_mail_at").Optional().Nillable(),
		field.Time("mail_window_start").Optional().Nillable(),
		field.Int("mails_in_window").Default(0).NonNegative(),
		// The language the sign-up asked in, which the account gets.
		field.String("locale").Default("en").NotEmpty().MaxLen(35),
	}
}

// Indexes of the PendingSignup.
func (PendingSignup) Indexes() []ent.Index {
	return []ent.Index{index.Fields("expires_at")}
}
