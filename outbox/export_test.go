package outbox

import "time"

// SetHostClock stands in for the host's clock, as on a replica whose clock is off.
func (o *Outbox) SetHostClock(host func() time.Time) { o.clock.host = host }
