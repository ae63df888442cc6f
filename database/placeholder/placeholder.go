// Package placeholder rewrites SQL written with ? placeholders for PostgreSQL, which numbers them.
package placeholder

import (
	"strconv"
	"strings"
)

// Dollar numbers the ? placeholders of query as $1, $2 …. It does not parse SQL: query must hold
// no ? inside a string literal or an identifier.
func Dollar(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
