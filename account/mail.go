package account

import (
	"context"
	"fmt"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/predicate"
)

// Outbox is the mail queue the rules write to; the outbox package satisfies it, and sends what
// is queued through DeliverMail.
type Outbox interface {
	// Add inserts a row and returns once it is committed.
	Add(ctx context.Context, create *ent.OutboxMailCreate) error
	// Wake has the worker look for due mail now.
	Wake()
	// Unclaimed matches the rows no sender holds now: those the rules may still change.
	Unclaimed() predicate.OutboxMail
}

// DeliverMail is the outbox's deliver function: it sends m, or finds that nothing is to be
// sent. Its error reports Skipped() when another worker decided m's fate first.
func (s *Service) DeliverMail(ctx context.Context, m *ent.OutboxMail) error {
	switch m.Kind {
	case outboxmail.KindPasswordReset:
		return s.deliverReset(ctx, m)
	case outboxmail.KindPasswordChanged:
		return s.sendPasswordNotice(ctx, m)
	case outboxmail.KindSignUp:
		return s.deliverSignUp(ctx, m)
	case outboxmail.KindEmailVerification:
		return s.deliverVerification(ctx, m)
	case outboxmail.KindEmailChange:
		return s.deliverEmailChange(ctx, m)
	case outboxmail.KindEmailChangeNotice:
		return s.deliverChangeNotice(ctx, m)
	case outboxmail.KindEmailChanged:
		return s.sendEmailChanged(ctx, m)
	}
	return fmt.Errorf("unknown mail kind %q", m.Kind)
}

// What the metrics count of mail. A reset or sign-up request counts as queued when asked for and
// as processed once its outcome is known (accepted for sending, or settled with nothing to
// send), and nothing more: which mail it sends, if any, and so every delivery outcome, depends
// on whether the account exists, and a counter that moved with it would tell whoever reads the
// metrics. The mails an address change asks for count queued and processed (it left the outbox)
// only, too: what goes to the new address, a link or a notice, depends on whether it has an
// account, and either may be held back by the per-address limits, when nothing is sent. Other
// mail, to an account the caller has proved they hold (a "password changed" or "email changed"
// notice, a verification link asked for while signed in), counts its deliveries too: sent,
// failed, retried, given_up and refused.

// requestKind reports whether mail of kind k is asked for by anyone, for any address.
func requestKind(k outboxmail.Kind) bool {
	return k == outboxmail.KindPasswordReset || k == outboxmail.KindSignUp
}

// CountMail is the outbox's observer: it counts event in the delivery of m, final when m has
// left the outbox.
func (s *Service) CountMail(m *ent.OutboxMail, event string, final bool) {
	switch m.Kind {
	case outboxmail.KindPasswordReset, outboxmail.KindSignUp:
		// acceptReset counted and marked an accepted request; one that leaves undecided counts here.
		if final && !m.Accepted {
			s.countProcessed(m.Kind)
		}
	case outboxmail.KindEmailChange, outboxmail.KindEmailChangeNotice:
		if final {
			s.cfg.Observer.MailEvent(string(m.Kind), "processed")
		}
	default:
		s.cfg.Observer.MailEvent(string(m.Kind), event)
	}
}

// countProcessed counts a request of kind k whose outcome is known.
func (s *Service) countProcessed(k outboxmail.Kind) {
	if requestKind(k) {
		s.cfg.Observer.MailEvent(string(k), "processed")
	}
}
