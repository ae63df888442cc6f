package account

import (
	"latchkey/ent"
	"latchkey/ent/outboxmail"
)

// What the metrics count of mail. A reset request counts as queued when asked for and as
// processed once its outcome is known (accepted for sending, or settled with nothing to send),
// and nothing more: whether its mail goes out, and so every delivery outcome, depends on whether
// the account exists, and a counter that moved with it would tell whoever reads the metrics.
// Other mail, a "password changed" notice to an account the caller has proved they hold, counts
// its deliveries too: sent, failed, retried, given_up and refused.

// countTry counts an event in the delivery of m, unless m is a reset request.
func (s *Service) countTry(m *ent.OutboxMail, event string) {
	if m.Kind != outboxmail.KindPasswordReset {
		s.cfg.Observer.MailEvent(string(m.Kind), event)
	}
}

// countProcessed counts a reset request whose outcome is known.
func (s *Service) countProcessed() {
	s.cfg.Observer.MailEvent(string(outboxmail.KindPasswordReset), "processed")
}

// countAccepted counts the claimed reset request m as processed once its sender has accepted it,
// and marks m accepted, as it is now stored, so that settling it does not count it again.
func (s *Service) countAccepted(m *ent.OutboxMail) {
	if !m.Accepted {
		m.Accepted = true
		s.countProcessed()
	}
}

// countSettled counts m leaving the outbox after a try that did not fail.
func (s *Service) countSettled(m *ent.OutboxMail, sent bool) {
	if !s.countResetLeaving(m) && sent {
		s.countTry(m, "sent")
	}
}

// countGivenUp counts m dropped after failed tries, or at once when the mail server refused it.
func (s *Service) countGivenUp(m *ent.OutboxMail, refused bool) {
	if s.countResetLeaving(m) {
		return
	}
	if refused {
		s.countTry(m, "refused")
	} else {
		s.countTry(m, "given_up")
	}
}

// countResetLeaving counts a reset request that leaves the outbox still undecided as processed,
// and reports whether m is a reset request at all.
func (s *Service) countResetLeaving(m *ent.OutboxMail) bool {
	if m.Kind != outboxmail.KindPasswordReset {
		return false
	}
	if !m.Accepted {
		s.countProcessed()
	}
	return true
}
