package apptest

import (
	"context"
	"testing"
)

// Flush sends every queued mail that is due and returns once each has been handed to the mail
// server or rescheduled. It needs Setup.NoWorker, so that nothing else sends at the same time
// and a message missing after Flush was never sent, not merely late.
func (e *Env) Flush(tb testing.TB) {
	tb.Helper()
	if !e.noWorker {
		tb.Fatal("apptest: Flush needs Setup.NoWorker")
	}
	// On a context that is already done, RunOutbox only drains: it sends what is due and
	// returns once every send is over.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.App.RunOutbox(ctx)
}
