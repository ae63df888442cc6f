package account

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver

	"latchkey/ent"
	"latchkey/ent/enttest"
	"latchkey/ent/outboxmail"
	"latchkey/outbox"
)

// newTestService is how every test of this package builds its Service: on a fresh SQLite file,
// with an outbox wired to it as app wires them and a mailer that only remembers. Each option
// changes the config before the service is built.
func newTestService(tb testing.TB, opts ...func(*Config)) *Service {
	tb.Helper()
	// A file, not shared-cache memory: concurrent writers then wait for each other instead of failing.
	db := enttest.Open(tb, "sqlite3", "file:"+filepath.Join(tb.TempDir(), "account.db")+"?_fk=1&_busy_timeout=10000&_journal_mode=WAL")
	tb.Cleanup(func() { db.Close() })
	cfg := Config{
		SecretKey:            []byte(strings.Repeat("k", 32)),
		Algorithm:            "HS256",
		AccessTokenTTL:       30 * time.Minute,
		ResetTokenTTL:        time.Hour,
		ResetMailMinInterval: time.Minute,
		ResetMailsPerHour:    3,
		Argon2:               cheapParams,
	}
	for _, o := range opts {
		o(&cfg)
	}
	var s *Service
	box, err := outbox.New(db, outbox.Options{Senders: 1, Lease: time.Minute}, outbox.Hooks{
		Deliver:    func(ctx context.Context, m *ent.OutboxMail) error { return s.DeliverMail(ctx, m) },
		Settle:     func(ctx context.Context, rows []*ent.OutboxMail) { s.SettleResets(ctx, rows) },
		SettleKind: outboxmail.KindPasswordReset,
		Observe:    func(m *ent.OutboxMail, event string, final bool) { s.CountMail(m, event, final) },
		Now:        cfg.Now,
		Log:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Outbox = box
	s, err = NewService(db, &testMailer{}, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// at sets the service's clock to a fixed time.
func at(now time.Time) func(*Config) {
	return func(c *Config) { c.Now = func() time.Time { return now } }
}

// testMailer remembers the addresses it was asked to mail, a reset link or a notice alike.
type testMailer struct {
	mu   sync.Mutex
	sent []string
}

func (m *testMailer) SendPasswordReset(_ context.Context, _, to, _, _ string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to)
	return nil
}

func (m *testMailer) SendPasswordChanged(_ context.Context, _, to, _ string, _ time.Time, _ int, _ time.Time) error {
	return m.SendPasswordReset(context.Background(), "", to, "", "", 0)
}

func (m *testMailer) SendSignUpLink(_ context.Context, _, to, _, _ string, _ time.Duration) error {
	return m.SendPasswordReset(context.Background(), "", to, "", "", 0)
}

func (m *testMailer) SendSignUpNotice(_ context.Context, _, to, _, _, _ string) error {
	return m.SendPasswordReset(context.Background(), "", to, "", "", 0)
}

func (m *testMailer) SendVerificationLink(_ context.Context, _, to, _, _ string, _ time.Duration) error {
	return m.SendPasswordReset(context.Background(), "", to, "", "", 0)
}

func (m *testMailer) SendEmailChangeLink(_ context.Context, _, to, _, _ string, _ time.Duration) error {
	return m.SendPasswordReset(context.Background(), "", to, "", "", 0)
}

func (m *testMailer) SendEmailChangeTaken(_ context.Context, _, to, _, _, _ string) error {
	return m.SendPasswordReset(context.Background(), "", to, "", "", 0)
}

func (m *testMailer) SendEmailChangeRequested(_ context.Context, _, to, _, _, _, _ string, _ time.Duration) error {
	return m.SendPasswordReset(context.Background(), "", to, "", "", 0)
}

func (m *testMailer) SendEmailChanged(_ context.Context, _, to, _, _ string, _ time.Time) error {
	return m.SendPasswordReset(context.Background(), "", to, "", "", 0)
}

// countingObserver counts the mail events it is told, as "kind event".
type countingObserver struct {
	mu     sync.Mutex
	events map[string]int
}

func (o *countingObserver) MailEvent(kind, event string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.events == nil {
		o.events = map[string]int{}
	}
	o.events[kind+" "+event]++
}

func (o *countingObserver) RateLimited(string) {}

func (o *countingObserver) count(kindEvent string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.events[kindEvent]
}

// tokenOnly signs an access token for u in a made-up session, for tests of the token alone.
func (s *Service) tokenOnly(u *ent.User) (*Session, error) {
	sess := &ent.Session{ID: "AAAAAAAAAAAAAAAAAAAAAA", ExpiresAt: s.now().Add(24 * time.Hour)}
	return s.sessionOf(u, sess, "", s.now())
}
