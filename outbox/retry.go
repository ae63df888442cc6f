package outbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"latchkey/ent"
)

// What Observe is told.
const (
	eventSent    = "sent"
	eventFailed  = "failed"
	eventRetried = "retried"
	eventGivenUp = "given_up"
	eventRefused = "refused"
)

// retryLater schedules the next try of m after a failed one, or gives up on it.
func (o *Outbox) retryLater(ctx context.Context, m *ent.OutboxMail, cause error) {
	now := o.now()
	attempts := m.Attempts + 1
	giveUpAfter := o.opts.GiveUpAfter
	if refused := permanent(cause); refused || now.Sub(m.RequestedAt) >= giveUpAfter {
		why, event := "retried for "+giveUpAfter.String(), eventGivenUp
		if refused {
			why, event = "refused for good", eventRefused
		}
		o.log.ErrorContext(ctx, "outbox: giving up on mail", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts, "why", why, "error", cause)
		o.hooks.Observe(m, event, true)
		if err := o.db.OutboxMail.DeleteOneID(m.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
			o.log.ErrorContext(ctx, "outbox: delete abandoned mail", "mail_id", m.ID, "error", err)
		}
		return
	}
	wait := backoff(attempts, o.opts.MaxBackoff)
	o.hooks.Observe(m, eventRetried, false)
	if relayDown(cause) {
		// No backoff of its own: the worker holds every mail until the mail server is back,
		// then this one is due at once. The outage was logged once.
		wait = 0
		o.log.DebugContext(ctx, "outbox: send failed, mail server unavailable", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts, "error", cause)
	} else {
		o.log.WarnContext(ctx, "outbox: send failed, will retry", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts, "retry_in", wait.Round(time.Millisecond).String(), "error", cause)
	}
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	err := o.db.OutboxMail.UpdateOneID(m.ID).
		SetAttempts(attempts).
		SetNextAttemptAt(now.Add(wait)).
		ClearLockedUntil().
		SetLastError(msg).
		Exec(ctx)
	if err != nil && !ent.IsNotFound(err) {
		o.log.ErrorContext(ctx, "outbox: schedule retry", "mail_id", m.ID, "error", err)
	}
}

// permanent reports whether the mailer says the same send would fail again, as when the mail
// server refuses the recipient's address with a 5xx reply.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// skipped reports whether Deliver says another worker decided the mail's fate first.
func skipped(err error) bool {
	var s interface{ Skipped() bool }
	return errors.As(err, &s) && s.Skipped()
}

// backoff is the wait before try attempts+1: 1 s, 2 s, 4 s … up to limit, each drawn from its
// upper half so that many failed mails do not retry in step.
func backoff(attempts int, limit time.Duration) time.Duration {
	d := limit
	if attempts < 1 {
		attempts = 1
	}
	if attempts < 32 {
		d = min(time.Second<<(attempts-1), limit)
	}
	return d/2 + rand.N(d/2+1)
}
