package model

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalTime writes a Time as the contract has it: RFC 3339 in UTC, to the whole second, so
// that every Time the API returns has one precision whatever the database or the clock kept.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Truncate(time.Second).Format(time.RFC3339)))
	})
}

// UnmarshalTime reads a Time argument as gqlgen's own scalar does.
func UnmarshalTime(v any) (time.Time, error) { return graphql.UnmarshalTime(v) }
