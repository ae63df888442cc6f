package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OutboxMail is a mail waiting to be sent, written in the transaction of the request that asked
// for it so that a crash cannot lose it. It never holds a token: the worker makes one.
type OutboxMail struct {
	ent.Schema
}

// Annotations of the OutboxMail.
func (OutboxMail) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "mail_outbox"}}
}

// Fields of the OutboxMail.
func (OutboxMail) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("password_reset", "password_changed", "sign_up", "email_verification",
			// An address change: the link (or "already has an account") to the new address, the
			// notice to the current one, and the notice to the old one once it is done.
			"email_change", "email_change_notice", "email_changed"),
		field.String("recipient").NotEmpty().MaxLen(254),
		field.String("username").Optional(),
		field.Time("requested_at").Default(utcNow).Immutable(),
		// Set once the per-account reset limits let this request through, so retries skip them.
		field.Bool("accepted").Default(false),
		field.Int("attempts").Default(0).NonNegative(),
		field.Time("next_attempt_at").Default(utcNow),
		// A worker owns the row until this time; an expired lease means that worker died.
		field.Time("locked_until").Optional().Nillable(),
		field.String("last_error").Optional().MaxLen(1000),
		// A "password changed" notice: its account, and the changes folded into it since the
		// account's previous notice (later changes bump this row until a sender claims it).
		field.Int("user_id").Optional().Nillable(),
		field.Int("change_count").Default(1).Positive(),
		field.Time("last_change_at").Optional().Nillable(),
		field.Time("previous_notice_at").Optional().Nillable(),
		// A sign-up: the argon2id hash of the password it chose (never the password).
		field.String("password_hash").Optional().Sensitive(),
		// An address-change notice: the address the account is asked to move, or was moved, to.
		field.String("new_email").Optional().MaxLen(254),
		// The language the request asked in: of a mail to an address with no account (a sign-up
		// link), and of the account a sign-up creates. Mail to an account uses the account's.
		field.String("locale").Default("en").NotEmpty().MaxLen(35),
	}
}

// Indexes of the OutboxMail.
func (OutboxMail) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("next_attempt_at"),
		// Only notices have a user: reset requests, the hot insert, skip the index.
		index.Fields("user_id").Annotations(entsql.IndexWhere("user_id IS NOT NULL")),
	}
}
