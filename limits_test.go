package fedavail_test

import (
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// TestLimitsDefaults: the defaults fedavail.Limits documents are the ones
// the readers apply, and the exported type converts to the internal one
// field for field.
func TestLimitsDefaults(t *testing.T) {
	if xmlguard.DefaultMaxBytes != 16<<20 || xmlguard.DefaultMaxDepth != 64 || xmlguard.DefaultMaxAttrBytes != 64<<10 {
		t.Errorf("xmlguard defaults %d, %d, %d differ from fedavail.Limits' documentation (16 MiB, 64, 64 KiB)",
			xmlguard.DefaultMaxBytes, xmlguard.DefaultMaxDepth, xmlguard.DefaultMaxAttrBytes)
	}
	if xmlguard.DefaultMaxDeclsPerElement != 64 || xmlguard.DefaultMaxDeclsInScope != 256 || xmlguard.DefaultMaxDecls != 4096 {
		t.Errorf("xmlguard declaration defaults %d, %d, %d differ from fedavail.Limits' documentation (64, 256, 4096)",
			xmlguard.DefaultMaxDeclsPerElement, xmlguard.DefaultMaxDeclsInScope, xmlguard.DefaultMaxDecls)
	}
	l := fedavail.Limits{MaxBytes: 1, MaxDepth: 2, MaxAttrBytes: 3, MaxDeclsPerElement: 4, MaxDeclsInScope: 5, MaxDecls: 6}
	if g := xmlguard.Limits(l); g.MaxBytes != 1 || g.MaxDepth != 2 || g.MaxAttrBytes != 3 || g.MaxDeclsPerElement != 4 || g.MaxDeclsInScope != 5 || g.MaxDecls != 6 {
		t.Errorf("conversion = %+v", g)
	}
}
