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
	switch {
	case m.Kind == outboxmail.KindPasswordReset:
		if !m.Accepted { // left undecided until now
			s.countProcessed()
		}
	case sent:
		s.countTry(m, "sent")
	}
}

// countGivenUp counts m dropped after failed tries, or at once when the mail server refused it.
func (s *Service) countGivenUp(m *ent.OutboxMail, refused bool) {
	switch {
	case m.Kind == outboxmail.KindPasswordReset:
		if !m.Accepted { // left undecided until now
			s.countProcessed()
		}
	case refused:
		s.countTry(m, "refused")
	default:
		s.countTry(m, "given_up")
	}
}
