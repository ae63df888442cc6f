package email_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"latchkey/email"
)

func TestLogTransport(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, nil))
		m, err := email.NewMailer(email.LogTransport{Logger: logger}, "Latchkey")
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SendPasswordReset(context.Background(), "en", "ada@example.com", "ada", resetLink, time.Hour); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, want := range []string{"level=WARN", email.NotSentMarker, "sent=false", "ada@example.com", "Reset your Latchkey password", resetLink} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		var buf bytes.Buffer
		tr := email.LogTransport{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := tr.Send(ctx, testMessage()); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if buf.Len() != 0 {
			t.Errorf("logged after cancellation:\n%s", buf.String())
		}
	})
}
