package email

import (
	"fmt"
	"strings"
	"time"
)

// humanDuration renders d in words, e.g. "1 hour 30 minutes". It rounds down so a
// mail never promises more time than the link has.
func humanDuration(d time.Duration) string {
	if d < time.Minute {
		return plural(max(int(d/time.Second), 1), "second")
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	minutes := int(d % time.Hour / time.Minute)
	var parts []string
	for _, p := range []struct {
		n    int
		unit string
	}{{days, "day"}, {hours, "hour"}, {minutes, "minute"}} {
		if p.n > 0 {
			parts = append(parts, plural(p.n, p.unit))
		}
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
