package token

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fedavail/fedavail/internal/xmlguard"
)

// FuzzParseAssertion feeds arbitrary bytes through the plaintext half of
// validation: shape check and claim parsing. It must never panic or hang.
func FuzzParseAssertion(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "assertion.golden.xml")); err == nil {
		f.Add(b)
	}
	// The real MFG token, from ../shared beside the module (see testshared).
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "samples", mfgAssertion)); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion"/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		root, err := parseAssertionTree(b, xmlguard.Limits{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		_, _ = parseAssertion(root)
		if sig, err := checkShape(root); err == nil {
			_, _, _ = verify(root, sig, nil, time.Unix(0, 0))
		}
	})
}
