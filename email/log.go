package email

import (
	"context"
	"log/slog"
)

// NotSentMarker starts the log line LogTransport writes for each mail.
const NotSentMarker = "email NOT SENT (no mail server configured)"

// LogTransport writes each mail to the log at WARN level instead of sending it
// (development mode, no MAIL_SERVER). It is the one place allowed to log a reset link.
type LogTransport struct {
	Logger *slog.Logger // nil means slog.Default()
}

// Send logs m with a marker saying it was not sent.
func (t LogTransport) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	logger := t.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.WarnContext(ctx, NotSentMarker,
		slog.Bool("sent", false),
		slog.String("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("text", m.Text),
	)
	return nil
}
