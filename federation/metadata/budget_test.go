package metadata

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/allocbudget"
)

// TestParseAllocationBudget holds Parse — a broker's metadata, fetched
// over the network — to allocbudget.Multiple bytes per input byte on
// documents multiplying namespace declarations by elements: decls on the
// root and on each of count extra Federation elements, each with the
// children Parse looks into.
func TestParseAllocationBudget(t *testing.T) {
	cur := cert(t, "current", t0, t0.AddDate(5, 0, 0))
	good, err := Render(sample(t, cur))
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct{ decls, count int }{{8, 8}, {16, 200}, {50, 60}, {300, 300}} {
		t.Run(fmt.Sprintf("%dx%d", size.decls, size.count), func(t *testing.T) {
			d := allocbudget.Declarations(size.decls)
			extra := strings.Repeat(`<fed:Federation`+d+`><fed:TokenIssuerName>x</fed:TokenIssuerName><fed:TokenIssuerEndpoint><wsa:Address>https://x.example/</wsa:Address></fed:TokenIssuerEndpoint></fed:Federation>`, size.count)
			data := bytes.Replace(good, []byte("<fed:Federation>"), []byte(extra+"<fed:Federation>"), 1)
			data = bytes.Replace(data, []byte("<fed:FederationMetadata "), []byte("<fed:FederationMetadata"+d+" "), 1)
			if bytes.Equal(data, good) {
				t.Fatal("the document was not amplified")
			}
			var err error
			allocbudget.Check(t, "Parse", len(data), allocbudget.Multiple, func() { _, err = Parse(data, now, nil) })
			if err != nil && !errors.As(err, new(*fedavail.LimitError)) {
				t.Fatal(err)
			}
		})
	}
}
