//go:build !unix

package broker

import "os"

// lockFile does nothing where flock(2) is missing: one process per folder is
// then the operator's promise.
func lockFile(*os.File) error { return nil }
