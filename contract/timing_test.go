package contract_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"latchkey/app/apptest"
)

// TestForgotPasswordSameStatements: before it answers, forgotPassword sends the database the
// same statements, in the same order, for a known and an unknown email; only argument values
// differ. Looking the account up is the worker's job, after the answer.
func TestForgotPasswordSameStatements(t *testing.T) {
	rec := &statementRecorder{}
	env := apptest.Start(t, apptest.Setup{NoWorker: true, WrapDriver: rec.wrap})
	env.Register(t, "alice", "alice@example.com", "first-password-1")

	statements := func(email string) []string {
		t.Helper()
		rec.reset()
		wantOK(t, forgot(t, env, email))
		return rec.reset()
	}
	known := statements("alice@example.com")
	knownOtherCase := statements("ALICE@example.com")
	unknown := statements("nobody@example.com")

	t.Run("SameSequence", func(t *testing.T) {
		if len(known) == 0 {
			t.Fatal("no statements recorded")
		}
		if !slices.Equal(known, unknown) || !slices.Equal(known, knownOtherCase) {
			t.Errorf("statements differ:\nknown   %q\nunknown %q\nother case %q", known, unknown, knownOtherCase)
		}
	})
	t.Run("AccountNotLookedUp", func(t *testing.T) {
		for _, q := range known {
			if strings.Contains(q, "users") {
				t.Errorf("the request reads users before answering: %s", q)
			}
		}
	})
}

// BenchmarkForgotPassword times forgotPassword through the HTTP handler for a known and an
// unknown email, to be compared side by side.
func BenchmarkForgotPassword(b *testing.B) {
	env := apptest.Start(b, apptest.Setup{NoWorker: true})
	env.Register(b, "alice", "alice@example.com", "first-password-1")
	for _, bc := range []struct{ name, email string }{
		{"known", "alice@example.com"},
		{"unknown", "nobody@example.com"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if r := forgot(b, env, bc.email); r.Code() != "" {
					b.Fatalf("forgotPassword failed: %s", r.Body)
				}
			}
		})
	}
}

// statementRecorder wraps the ent driver and records the text of every statement, without
// its arguments, and where transactions begin and end.
type statementRecorder struct {
	mu    sync.Mutex
	stmts []string
}

func (r *statementRecorder) wrap(d dialect.Driver) dialect.Driver {
	return &recordingDriver{Driver: d, rec: r}
}

func (r *statementRecorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, s)
}

// reset returns what was recorded since the last reset.
func (r *statementRecorder) reset() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

type recordingDriver struct {
	dialect.Driver
	rec *statementRecorder
}

func (d *recordingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.rec.add(query)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d *recordingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.rec.add(query)
	return d.Driver.Query(ctx, query, args, v)
}

func (d *recordingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	d.rec.add("BEGIN")
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &recordingTx{Tx: tx, rec: d.rec}, nil
}

type recordingTx struct {
	dialect.Tx
	rec *statementRecorder
}

func (t *recordingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.rec.add(query)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *recordingTx) Query(ctx context.Context, query string, args, v any) error {
	t.rec.add(query)
	return t.Tx.Query(ctx, query, args, v)
}

func (t *recordingTx) Commit() error {
	t.rec.add("COMMIT")
	return t.Tx.Commit()
}

func (t *recordingTx) Rollback() error {
	t.rec.add("ROLLBACK")
	return t.Tx.Rollback()
}
