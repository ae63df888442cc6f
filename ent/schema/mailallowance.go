package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// MailAllowance counts the mail of address changes sent to one address (a link or a notice),
// for the same per-address limits as reset mail, whose counts for an account live on its users
// row. The key is an HMAC of the address, never the address.
type MailAllowance struct {
	ent.Schema
}

// Fields of the MailAllowance.
func (MailAllowance) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").Unique().NotEmpty().MaxLen(64),
		field.Time("last_mail_at"),
		field.Time("window_start"),
		field.Int("mails_in_window").NonNegative(),
	}
}

// Indexes of the MailAllowance.
func (MailAllowance) Indexes() []ent.Index {
	return []ent.Index{index.Fields("last_mail_at")}
}
