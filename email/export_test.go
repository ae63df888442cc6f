package email

import (
	"time"

	"latchkey/locale"
)

// HumanDuration exposes humanDuration, in English, to the external tests.
func HumanDuration(d time.Duration) string {
	s, err := humanDuration(locale.For("en"), d)
	if err != nil {
		panic(err)
	}
	return s
}

// MailNames lists every mail, for the test that renders them all.
var MailNames = mailNames
