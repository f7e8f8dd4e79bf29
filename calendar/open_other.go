//go:build !unix

package calendar

import "os"

// openNonblocking opens p for reading; systems without FIFOs in the file
// system need no more.
func openNonblocking(p string) (*os.File, error) { return os.Open(p) }
