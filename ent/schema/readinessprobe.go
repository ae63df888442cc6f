package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// ReadinessProbe is the row readiness writes to every few seconds, so that a database that
// still answers reads but takes no writes (a full disk, a read-only failover) shows as unready.
type ReadinessProbe struct {
	ent.Schema
}

// Fields of the ReadinessProbe.
func (ReadinessProbe) Fields() []ent.Field {
	return []ent.Field{
		field.Time("checked_at"),
	}
}
