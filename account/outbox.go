package account

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/passwordresettoken"
	"latchkey/ent/user"
)

// OutboxOptions tune the mail worker.
type OutboxOptions struct {
	Senders      int           // mails sent at once; default 4
	PollInterval time.Duration // how often to look for due mail besides being woken; default 1 s
	Lease        time.Duration // how long a claimed mail is a worker's before another may take it; default 2 min
	GiveUpAfter  time.Duration // retries stop this long after the request; default 1 h
	MaxBackoff   time.Duration // longest wait between two tries; default 5 min
	DrainTimeout time.Duration // at shutdown, time left to send what is due; default 10 s
}

func (o *OutboxOptions) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Senders <= 0 {
		o.Senders = 4
	}
	def(&o.PollInterval, time.Second)
	def(&o.Lease, 2*time.Minute)
	def(&o.GiveUpAfter, time.Hour)
	def(&o.MaxBackoff, 5*time.Minute)
	def(&o.DrainTimeout, 10*time.Second)
}

func (s *Service) notifyOutbox() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunOutbox sends queued mail until ctx ends, then sends what is already due for at most
// DrainTimeout and returns. A crash loses nothing: unsent mail stays in the table.
func (s *Service) RunOutbox(ctx context.Context) {
	opts := s.cfg.Outbox
	opts.setDefaults()
	tick := time.NewTicker(opts.PollInterval)
	defer tick.Stop()
	var lastSweep time.Time
	for {
		s.sendDue(context.WithoutCancel(ctx), opts)
		if now := s.now(); now.Sub(lastSweep) > 10*time.Minute {
			lastSweep = now
			s.deleteExpiredTokens(ctx)
		}
		select {
		case <-ctx.Done():
			drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.DrainTimeout)
			s.sendDue(drain, opts)
			cancel()
			return
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// sendDue claims and sends due mail, Senders at a time, until none is due.
func (s *Service) sendDue(ctx context.Context, opts OutboxOptions) {
	for ctx.Err() == nil {
		claimed := s.claim(ctx, opts)
		if len(claimed) == 0 {
			return
		}
		var wg sync.WaitGroup
		for _, m := range claimed {
			wg.Go(func() { s.deliver(ctx, m, opts) })
		}
		wg.Wait()
	}
}

// claim takes up to Senders due mails with a conditional update, so that two workers, in this
// process or another replica, never take the same one.
func (s *Service) claim(ctx context.Context, opts OutboxOptions) []*ent.OutboxMail {
	now := s.now()
	free := outboxmail.Or(outboxmail.LockedUntilIsNil(), outboxmail.LockedUntilLT(now))
	due, err := s.db.OutboxMail.Query().
		Where(outboxmail.NextAttemptAtLTE(now), free).
		Order(outboxmail.ByID()).
		Limit(opts.Senders).
		All(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "outbox: look for due mail", "error", err)
		return nil
	}
	claimed := due[:0]
	for _, m := range due {
		n, err := s.db.OutboxMail.Update().
			Where(outboxmail.ID(m.ID), free).
			SetLockedUntil(now.Add(opts.Lease)).
			Save(ctx)
		if err != nil {
			s.log.ErrorContext(ctx, "outbox: claim mail", "mail_id", m.ID, "error", err)
			continue
		}
		if n == 1 {
			claimed = append(claimed, m)
		}
	}
	return claimed
}

// deliver sends one claimed mail, then deletes it or schedules the next try.
func (s *Service) deliver(ctx context.Context, m *ent.OutboxMail, opts OutboxOptions) {
	var err error
	switch m.Kind {
	case outboxmail.KindPasswordReset:
		err = s.deliverReset(ctx, m)
	case outboxmail.KindPasswordChanged:
		err = s.mailer.SendPasswordChanged(ctx, m.Recipient, m.Username, m.RequestedAt.UTC())
	default:
		err = fmt.Errorf("unknown mail kind %q", m.Kind)
	}
	if err == nil {
		if err := s.db.OutboxMail.DeleteOneID(m.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
			s.log.ErrorContext(ctx, "outbox: delete sent mail", "mail_id", m.ID, "error", err)
		}
		return
	}
	s.retryLater(ctx, m, err, opts)
}

func (s *Service) retryLater(ctx context.Context, m *ent.OutboxMail, cause error, opts OutboxOptions) {
	now := s.now()
	attempts := m.Attempts + 1
	if now.Sub(m.RequestedAt) >= opts.GiveUpAfter {
		s.log.ErrorContext(ctx, "outbox: giving up on mail", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts, "error", cause)
		if err := s.db.OutboxMail.DeleteOneID(m.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
			s.log.ErrorContext(ctx, "outbox: delete abandoned mail", "mail_id", m.ID, "error", err)
		}
		return
	}
	wait := backoff(attempts, opts.MaxBackoff)
	s.log.WarnContext(ctx, "outbox: send failed, will retry", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts, "retry_in", wait.Round(time.Millisecond).String(), "error", cause)
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	err := s.db.OutboxMail.UpdateOneID(m.ID).
		SetAttempts(attempts).
		SetNextAttemptAt(now.Add(wait)).
		ClearLockedUntil().
		SetLastError(msg).
		Exec(ctx)
	if err != nil && !ent.IsNotFound(err) {
		s.log.ErrorContext(ctx, "outbox: schedule retry", "mail_id", m.ID, "error", err)
	}
}

// backoff doubles from 1 s up to max, with jitter so that many failed mails do not retry in step.
func backoff(attempts int, max time.Duration) time.Duration {
	d := max
	if attempts < 30 {
		d = min(time.Second<<(attempts-1), max)
	}
	return d/2 + rand.N(d/2+1)
}

// deliverReset looks the account up, applies the per-account limits once, makes a fresh token
// (replacing older ones) and mails the link. An unknown address or a limited request sends nothing.
func (s *Service) deliverReset(ctx context.Context, m *ent.OutboxMail) error {
	var (
		token string
		to    *ent.User
	)
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		u, err := tx.User.Query().Where(user.Email(m.Recipient)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !m.Accepted {
			if !s.acceptResetMail(ctx, tx, u, m) {
				return nil
			}
		}
		if _, err := tx.PasswordResetToken.Delete().Where(passwordresettoken.UserID(u.ID)).Exec(ctx); err != nil {
			return err
		}
		var hash string
		token, hash = NewResetToken()
		err = tx.PasswordResetToken.Create().
			SetUserID(u.ID).
			SetTokenHash(hash).
			SetExpiresAt(s.now().Add(s.cfg.ResetTokenTTL)).
			Exec(ctx)
		if err != nil {
			return err
		}
		to = u
		return nil
	})
	if err != nil || to == nil {
		return err
	}
	return s.mailer.SendPasswordReset(ctx, to.Email, to.Username, s.resetLink(token), s.cfg.ResetTokenTTL)
}

// acceptResetMail applies RESET_MAIL_MIN_INTERVAL_SECONDS and RESET_MAILS_PER_HOUR, counted from
// the time of the request, and records the mail against the account when it passes.
func (s *Service) acceptResetMail(ctx context.Context, tx *ent.Tx, u *ent.User, m *ent.OutboxMail) bool {
	at := m.RequestedAt
	if u.LastResetMailAt != nil && at.Sub(*u.LastResetMailAt) < s.cfg.ResetMailMinInterval {
		s.log.InfoContext(ctx, "reset mail skipped: too soon after the last one", "user_id", u.ID)
		return false
	}
	windowStart, sent := at, 0
	if u.ResetMailWindowStart != nil && at.Sub(*u.ResetMailWindowStart) < time.Hour {
		windowStart, sent = *u.ResetMailWindowStart, u.ResetMailsInWindow
	}
	if sent >= s.cfg.ResetMailsPerHour {
		s.log.InfoContext(ctx, "reset mail skipped: hourly limit reached", "user_id", u.ID)
		return false
	}
	err := tx.User.UpdateOneID(u.ID).
		SetLastResetMailAt(at).
		SetResetMailWindowStart(windowStart).
		SetResetMailsInWindow(sent + 1).
		Exec(ctx)
	if err == nil {
		err = tx.OutboxMail.UpdateOneID(m.ID).SetAccepted(true).Exec(ctx)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "outbox: record reset mail", "user_id", u.ID, "error", err)
		return false
	}
	return true
}

func (s *Service) deleteExpiredTokens(ctx context.Context) {
	n, err := s.db.PasswordResetToken.Delete().Where(passwordresettoken.ExpiresAtLTE(s.now())).Exec(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "delete expired reset tokens", "error", err)
	} else if n > 0 {
		s.log.InfoContext(ctx, "deleted expired reset tokens", "count", n)
	}
}
