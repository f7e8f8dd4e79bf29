package broker

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/mfg"
)

// FuzzManageDelegation2 feeds requests to the ManageDelegation2 reader:
// every refusal is an *mfg.Error or one of the XML guard's documented
// errors, never a panic.
func FuzzManageDelegation2(f *testing.F) {
	golden, _ := filepath.Glob(filepath.Join("..", "mfg", "testdata", "*.golden.xml"))
	for _, g := range golden {
		data, err := os.ReadFile(g)
		if err != nil {
			f.Fatal(err)
		}
		if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
			f.Add(bytes.TrimSpace(data[i+2:]))
		}
	}
	f.Add([]byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/><s:Body/></s:Envelope>`))
	b := &Broker{} // readMD2 needs only the clock, the limits and the replay cache
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := b.readMD2(t.Context(), data, "")
		var (
			me *mfg.Error
			xe *fedavail.XMLError
			le *fedavail.LimitError
		)
		if err != nil && !errors.As(err, &me) && !errors.As(err, &xe) && !errors.As(err, &le) && !errors.Is(err, fedavail.ErrDTD) {
			t.Fatalf("undocumented error %T: %v", err, err)
		}
	})
}
