package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// narrator is a slog.Handler that prints the packages' log lines as the
// demo's narrative: package federation's steps (relationship, discovery,
// token, ask) always, the other packages' only with -v, warnings always.
type narrator struct {
	w       io.Writer
	verbose bool
	attrs   []slog.Attr
}

func newNarrator(w io.Writer, verbose bool) *slog.Logger {
	return slog.New(&narrator{w: w, verbose: verbose})
}

func (n *narrator) Enabled(context.Context, slog.Level) bool { return true }

func (n *narrator) Handle(_ context.Context, r slog.Record) error {
	if !n.verbose && r.Level < slog.LevelWarn && !strings.HasPrefix(r.Message, "federation: ") {
		return nil
	}
	var b strings.Builder
	b.WriteString("    · ")
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		if v := a.Value.Resolve(); v.String() != "" {
			fmt.Fprintf(&b, " %s=%v", a.Key, v)
		}
		return true
	}
	for _, a := range n.attrs {
		add(a)
	}
	r.Attrs(add)
	b.WriteString("\n")
	_, err := io.WriteString(n.w, b.String())
	return err
}

func (n *narrator) WithAttrs(as []slog.Attr) slog.Handler {
	c := *n
	c.attrs = append(append([]slog.Attr(nil), n.attrs...), as...)
	return &c
}

// WithGroup flattens groups: the narrative has no use for them.
func (n *narrator) WithGroup(string) slog.Handler { return n }

// syncWriter serializes writes: the servers' goroutines narrate too. Each
// line is written with one Write, so lines never interleave.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
