package account

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"latchkey/ent"
	"latchkey/ent/outboxmail"
	"latchkey/ent/passwordresettoken"
	"latchkey/ent/predicate"
	"latchkey/ent/user"
)

// OutboxOptions tune the mail worker.
type OutboxOptions struct {
	Senders      int           // mails sent at once; default 4
	PollInterval time.Duration // how often to look for due mail besides being woken; default 1 s
	Lease        time.Duration // how long a claimed mail stays a dead worker's before another takes it; default 2 min
	GiveUpAfter  time.Duration // retries stop this long after the request; default 1 h
	MaxBackoff   time.Duration // longest wait between two tries; default 5 min
	DrainTimeout time.Duration // at shutdown, how long to go on starting sends of due mail; default 10 s
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

// errAccountChanged: another worker recorded a reset mail for the account at the same time.
var errAccountChanged = errors.New("account changed concurrently, limits to be checked again")

func (s *Service) notifyOutbox() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunOutbox sends queued mail until ctx ends. Then it goes on sending mail that is already due
// for at most DrainTimeout, lets every send in flight finish, and returns; on a ctx that is
// already done it sends what is due once. A crash loses nothing: unsent mail stays in the table
// and is sent once its lease runs out.
func (s *Service) RunOutbox(ctx context.Context) {
	opts := s.cfg.Outbox
	opts.setDefaults()
	w := &outboxWorker{s: s, opts: opts, slots: make(chan struct{}, opts.Senders), sending: map[int]bool{}}
	tick := time.NewTicker(opts.PollInterval)
	defer tick.Stop()
	var sweeper refusedSweeper
	for ctx.Err() == nil {
		sweeper.sweep(ctx, s)
		w.start(ctx)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-tick.C:
		}
	}
	w.drain(opts.DrainTimeout)
}

// outboxWorker is one RunOutbox: its senders and the slots they hold.
type outboxWorker struct {
	s     *Service
	opts  OutboxOptions
	slots chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	sending map[int]bool // mails being sent; never claimed again, even should the clock jump past their lease
}

func (w *outboxWorker) busyIDs() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]int, 0, len(w.sending))
	for id := range w.sending {
		ids = append(ids, id)
	}
	return ids
}

func (w *outboxWorker) setSending(id int, on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if on {
		w.sending[id] = true
	} else {
		delete(w.sending, id)
	}
}

// start claims due mail for every free sender and starts sending it, until nothing is due or
// until ends. It reports whether due mail may be left because every sender is busy.
func (w *outboxWorker) start(until context.Context) (busy bool) {
	// A send, once started, is finished even at shutdown: the transport bounds how long it takes.
	work := context.WithoutCancel(until)
	for until.Err() == nil {
		free := cap(w.slots) - len(w.slots)
		if free == 0 {
			return true
		}
		claimed := w.s.claim(work, free, w.opts.Lease, w.busyIDs())
		for _, c := range claimed {
			w.slots <- struct{}{}
			w.setSending(c.ID, true)
			w.wg.Go(func() {
				defer func() {
					w.setSending(c.ID, false)
					<-w.slots
					w.s.notifyOutbox() // a sender is free: look again for due mail
				}()
				w.s.deliver(work, c, w.opts)
			})
		}
		if len(claimed) < free {
			return false
		}
	}
	return false
}

// drain starts sends of due mail for at most timeout, then waits for every send in flight.
func (w *outboxWorker) drain(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for w.start(ctx) {
		select {
		case <-w.s.wake:
		case <-ctx.Done():
		}
	}
	w.wg.Wait()
}

// claimedMail is a mail this worker holds until lease, unless it renews it.
type claimedMail struct {
	*ent.OutboxMail
	lease time.Time
}

// claim takes up to n due mails, other than those in skip, with a conditional update, so that
// two workers, in this process or another replica, never take the same one.
func (s *Service) claim(ctx context.Context, n int, lease time.Duration, skip []int) []claimedMail {
	now := s.now()
	due, err := s.db.OutboxMail.Query().
		Where(outboxmail.NextAttemptAtLTE(now), unclaimed(now), outboxmail.IDNotIn(skip...)).
		Order(outboxmail.ByNextAttemptAt(), outboxmail.ByID()). // walks the next_attempt_at index, no sort
		Limit(n).
		All(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "outbox: look for due mail", "error", err)
		return nil
	}
	return s.take(ctx, due, now, lease)
}

// unclaimed matches the mails no sender holds at now.
func unclaimed(now time.Time) predicate.OutboxMail {
	return outboxmail.Or(outboxmail.LockedUntilIsNil(), outboxmail.LockedUntilLT(now))
}

// take claims the mails of due that are still as they were read. One may have changed since: a
// sweep accepted it (taken stale, the sender would count the request again and send nothing), or
// a password change was folded into it (see queuePasswordNotice). Left, it is read afresh.
func (s *Service) take(ctx context.Context, due []*ent.OutboxMail, now time.Time, lease time.Duration) []claimedMail {
	until := leaseEnd(now, lease)
	var claimed []claimedMail
	for _, m := range due {
		n, err := s.db.OutboxMail.Update().
			Where(outboxmail.ID(m.ID), unclaimed(now), outboxmail.Accepted(m.Accepted), outboxmail.ChangeCount(m.ChangeCount)).
			SetLockedUntil(until).
			Save(ctx)
		if err != nil {
			s.log.ErrorContext(ctx, "outbox: claim mail", "mail_id", m.ID, "error", err)
			continue
		}
		if n == 1 {
			claimed = append(claimed, claimedMail{m, until})
		}
	}
	return claimed
}

// leaseEnd is rounded to the microsecond so that it compares equal after a round trip through
// any database (PostgreSQL keeps microseconds).
func leaseEnd(now time.Time, lease time.Duration) time.Time {
	return now.Add(lease).Truncate(time.Microsecond)
}

// deliver sends one claimed mail, then deletes it or schedules the next try.
func (s *Service) deliver(ctx context.Context, m claimedMail, opts OutboxOptions) {
	stop := s.keepLease(ctx, m, opts.Lease)
	sent, err := s.send(ctx, m.OutboxMail)
	stop()
	if err == nil {
		s.countSettled(m.OutboxMail, sent)
		// Should this fail, the mail goes out again when the lease ends: twice rather than never.
		if err := s.db.OutboxMail.DeleteOneID(m.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
			s.log.ErrorContext(ctx, "outbox: delete sent mail", "mail_id", m.ID, "error", err)
		}
		return
	}
	s.countTry(m.OutboxMail, "failed")
	s.retryLater(ctx, m.OutboxMail, err, opts)
}

// send delivers m, or finds that it must not be sent (sent is false then).
func (s *Service) send(ctx context.Context, m *ent.OutboxMail) (sent bool, err error) {
	switch m.Kind {
	case outboxmail.KindPasswordReset:
		return s.deliverReset(ctx, m)
	case outboxmail.KindPasswordChanged:
		return true, s.sendPasswordNotice(ctx, m)
	}
	return false, fmt.Errorf("unknown mail kind %q", m.Kind)
}

// keepLease renews the claim on m until stop is called, so that a send slower than the lease
// is never taken over and sent twice: the lease only runs out when this process is gone.
func (s *Service) keepLease(ctx context.Context, m claimedMail, lease time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(lease/3, time.Millisecond))
		defer t.Stop()
		held := m.lease
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			next := leaseEnd(s.now(), lease)
			n, err := s.db.OutboxMail.Update().
				Where(outboxmail.ID(m.ID), outboxmail.LockedUntil(held)).
				SetLockedUntil(next).
				Save(ctx)
			switch {
			case err != nil:
				s.log.WarnContext(ctx, "outbox: renew lease", "mail_id", m.ID, "error", err)
			case n == 0:
				s.log.WarnContext(ctx, "outbox: lease lost while sending; the mail may go out twice", "mail_id", m.ID)
				return
			default:
				held = next
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

func (s *Service) retryLater(ctx context.Context, m *ent.OutboxMail, cause error, opts OutboxOptions) {
	now := s.now()
	attempts := m.Attempts + 1
	if refused := permanent(cause); refused || now.Sub(m.RequestedAt) >= opts.GiveUpAfter {
		why := "retried for " + opts.GiveUpAfter.String()
		if refused {
			why = "refused for good"
		}
		s.log.ErrorContext(ctx, "outbox: giving up on mail", "mail_id", m.ID, "kind", m.Kind, "attempts", attempts, "why", why, "error", cause)
		s.countGivenUp(m, refused)
		if err := s.db.OutboxMail.DeleteOneID(m.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
			s.log.ErrorContext(ctx, "outbox: delete abandoned mail", "mail_id", m.ID, "error", err)
		}
		return
	}
	wait := backoff(attempts, opts.MaxBackoff)
	s.countTry(m, "retried")
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

// permanent reports whether the mailer says the same send would fail again, as when the mail
// server refuses the recipient's address with a 5xx reply.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
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

// deliverReset looks the account up, applies the per-account limits once, makes a fresh token
// (replacing older ones) and mails the link. An unknown address or a limited request sends nothing.
func (s *Service) deliverReset(ctx context.Context, m *ent.OutboxMail) (sent bool, err error) {
	if s.refusedOnRead(ctx, m) {
		return false, nil
	}
	var (
		token string
		to    *ent.User
	)
	err = s.withTx(ctx, func(tx *ent.Tx) error {
		u, err := tx.User.Query().Where(user.Email(m.Recipient)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !m.Accepted {
			ok, err := s.acceptResetMail(ctx, tx, u, m)
			if err != nil || !ok {
				return err
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
		return false, err
	}
	s.countAccepted(m) // before the send, whose outcome is not counted for reset mail
	return true, s.mailer.SendPasswordReset(ctx, to.Email, to.Username, s.resetLink(token), s.cfg.ResetTokenTTL)
}

// refusedOnRead settles, with one read and no write lock, the requests a flood is made of: those
// for an address without an account, and those too soon after the account's last mail (which
// only ever moves forward). Either answer is the one the transaction would have given a moment
// earlier; the transaction, which checks again, is for the rest.
func (s *Service) refusedOnRead(ctx context.Context, m *ent.OutboxMail) bool {
	u, err := s.db.User.Query().Where(user.Email(m.Recipient)).Only(ctx)
	if ent.IsNotFound(err) {
		return true
	}
	if err != nil || m.Accepted {
		return false
	}
	return s.tooSoon(ctx, u, m.RequestedAt)
}

// tooSoon applies RESET_MAIL_MIN_INTERVAL_SECONDS, logging what it skips.
func (s *Service) tooSoon(ctx context.Context, u *ent.User, at time.Time) bool {
	if !s.resetTooSoon(u.LastResetMailAt, at) {
		return false
	}
	s.log.InfoContext(ctx, "reset mail skipped: too soon after the last one", "user_id", u.ID)
	return true
}

// resetTooSoon tells whether a reset request made at `at` comes too soon after the account's last
// mail. Requests can be handled out of order, by several workers, so one older than the last
// mail counts as too soon too; with no interval set, none is.
func (s *Service) resetTooSoon(last *time.Time, at time.Time) bool {
	return s.cfg.ResetMailMinInterval > 0 && last != nil && at.Sub(*last) < s.cfg.ResetMailMinInterval
}

// acceptResetMail applies RESET_MAIL_MIN_INTERVAL_SECONDS and RESET_MAILS_PER_HOUR, counted from
// the time of the request, and records the mail against the account when it passes.
func (s *Service) acceptResetMail(ctx context.Context, tx *ent.Tx, u *ent.User, m *ent.OutboxMail) (bool, error) {
	if s.tooSoon(ctx, u, m.RequestedAt) {
		return false, nil
	}
	if s.resetLimitReached(u, m.RequestedAt) {
		s.log.InfoContext(ctx, "reset mail skipped: hourly limit reached", "user_id", u.ID)
		return false, nil
	}
	if err := s.recordResetMail(ctx, tx, u, m.RequestedAt); err != nil {
		return false, err
	}
	if err := tx.OutboxMail.UpdateOneID(m.ID).SetAccepted(true).Exec(ctx); err != nil {
		return false, fmt.Errorf("accept reset mail: %w", err)
	}
	return true, nil
}

// resetWindow returns the hour a reset request made at `at` counts in and the mails already
// sent in it.
func resetWindow(u *ent.User, at time.Time) (start time.Time, sent int) {
	if u.ResetMailWindowStart != nil && at.Sub(*u.ResetMailWindowStart) < time.Hour {
		return *u.ResetMailWindowStart, u.ResetMailsInWindow
	}
	return at, 0
}

// resetLimitReached applies RESET_MAILS_PER_HOUR to a request made at `at`.
func (s *Service) resetLimitReached(u *ent.User, at time.Time) bool {
	_, sent := resetWindow(u, at)
	return sent >= s.cfg.ResetMailsPerHour
}

// resetRefused tells whether a request made at `at` is refused by either per-account limit.
func (s *Service) resetRefused(u *ent.User, at time.Time) bool {
	return s.resetTooSoon(u.LastResetMailAt, at) || s.resetLimitReached(u, at)
}

// recordResetMail counts a mail requested at `at` against the account and updates u to match.
// The write is conditional on what was read, so two workers cannot both spend the account's
// last mail: the loser gets errAccountChanged.
func (s *Service) recordResetMail(ctx context.Context, tx *ent.Tx, u *ent.User, at time.Time) error {
	last := at
	if u.LastResetMailAt != nil && u.LastResetMailAt.After(at) {
		last = *u.LastResetMailAt
	}
	windowStart, sent := resetWindow(u, at)
	unchanged := []predicate.User{user.ID(u.ID), user.ResetMailsInWindow(u.ResetMailsInWindow)}
	if u.LastResetMailAt == nil {
		unchanged = append(unchanged, user.LastResetMailAtIsNil())
	} else {
		unchanged = append(unchanged, user.LastResetMailAt(*u.LastResetMailAt))
	}
	n, err := tx.User.Update().
		Where(unchanged...).
		SetLastResetMailAt(last).
		SetResetMailWindowStart(windowStart).
		SetResetMailsInWindow(sent + 1).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("record reset mail: %w", err)
	}
	if n != 1 {
		return errAccountChanged
	}
	u.LastResetMailAt, u.ResetMailWindowStart, u.ResetMailsInWindow = &last, &windowStart, sent+1
	return nil
}
