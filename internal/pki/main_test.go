package pki

import (
	"testing"

	"github.com/fedavail/fedavail/internal/testshared"
)

// TestMain says once, after the run, how many tests skipped because the
// shared material (../shared) or xmllint was missing.
func TestMain(m *testing.M) { testshared.Main(m) }
