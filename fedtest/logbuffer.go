package fedtest

import (
	"bytes"
	"log/slog"
	"sync"
)

// LogBuffer collects output that several goroutines write at once — the log
// lines of a client whose requests run concurrently, or of a server's
// handlers — while a test reads it. The zero value is ready to use.
//
// Pass [LogBuffer.Logger] as the Logger of fedavail's configurations to
// capture everything fedavail logs, then check [LogBuffer.String]: that a
// step was logged, or that a secret never was.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p. Each call is one unit: slog handlers write a record with
// one Write, so records never interleave.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger returns a logger that writes every record to b as text, debug
// records included: a test wants to see all that was logged, not only what
// an operator would.
func (b *LogBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
