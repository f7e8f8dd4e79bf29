// Package clitest helps the tests of the example commands, which run a
// command's core in a goroutine and read what it printed.
package clitest

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer that a command's goroutines may write to while
// the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
