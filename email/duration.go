package email

import (
	"strings"
	"time"

	"latchkey/locale"
)

// humanDuration renders d in the words of p, e.g. "1 hour 30 minutes". It rounds down so a
// mail never promises more time than the link has.
func humanDuration(p *locale.Printer, d time.Duration) (string, error) {
	if d < time.Minute {
		return p.T("time.seconds", max(int(d/time.Second), 1))
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	minutes := int(d % time.Hour / time.Minute)
	var parts []string
	for _, part := range []struct {
		n   int
		key string
	}{{days, "time.days"}, {hours, "time.hours"}, {minutes, "time.minutes"}} {
		if part.n > 0 {
			s, err := p.T(part.key, part.n)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " "), nil
}
