package soap

import (
	"os"
	"testing"

	"github.com/fedavail/fedavail/internal/xmlguard"
	"github.com/fedavail/fedavail/internal/xmlscan"
)

// federatedRequest reads ews's testdata/request-federated-realsize.xml
// (one copy for both packages): the request of internal/testorg's
// BenchmarkHandlerOverBare (a federated
// GetUserAvailability as ews.Client sends it, 9,480 bytes with a 6,357-byte
// broker-minted token), and returns its token element.
func federatedRequest(tb testing.TB) *Element {
	tb.Helper()
	data, err := os.ReadFile("../../ews/testdata/request-federated-realsize.xml")
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := HeaderToken(new(xmlscan.Reader), data, xmlguard.Limits{})
	if err != nil || tok == nil {
		tb.Fatalf("no token: %v", err)
	}
	return tok
}

// BenchmarkStandaloneToken is the copy of a real-size token with its
// inherited declarations that a warm federated request costs.
func BenchmarkStandaloneToken(b *testing.B) {
	tok := federatedRequest(b)
	b.SetBytes(int64(len(tok.Raw)))
	for b.Loop() {
		_ = tok.Standalone()
	}
}

// BenchmarkAppendStandaloneToken is the same into a buffer kept from
// iteration to iteration, as the EWS handler keeps one in a pool.
func BenchmarkAppendStandaloneToken(b *testing.B) {
	tok := federatedRequest(b)
	b.SetBytes(int64(len(tok.Raw)))
	var buf []byte
	for b.Loop() {
		buf = tok.AppendStandalone(buf[:0])
	}
}
