//go:build unix

package calendar

import (
	"os"
	"syscall"
)

// openNonblocking opens p for reading without waiting for a writer, should
// p have become a FIFO since it was checked.
func openNonblocking(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
