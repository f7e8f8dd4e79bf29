package soap

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/allocbudget"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// TestDecodeAllocationBudget holds Decode, and what callers do with its
// header blocks (HeaderText, Children, SecurityToken, Standalone), to
// allocbudget.Multiple bytes per input byte on the namespace amplification
// of issue 12 in every shape. Each case runs twice: under the default
// limits, where xmlguard refuses the larger ones before parsing, and with
// the declaration limits lifted, where only the shared scopes keep the
// cost linear (before them, 300 declarations times 300 header blocks
// allocated 4720 times the input).
func TestDecodeAllocationBudget(t *testing.T) {
	lifted := allocbudget.LiftedLimits
	for _, v := range []Version{V11, V12} {
		for _, shape := range allocbudget.Shapes {
			for _, size := range []struct{ decls, headers int }{{30, 30}, {300, 300}} {
				body := `<Ping xmlns="urn:test" Count="1"><Text>x</Text></Ping>`
				data := allocbudget.Envelope(v.Namespace(), shape, size.decls, size.headers, body)
				for _, l := range []xmlguard.Limits{{}, lifted} {
					name := fmt.Sprintf("%s/%s/%dx%d/lifted=%v", v, shape, size.decls, size.headers, l == lifted)
					t.Run(name, func(t *testing.T) {
						var err error
						allocbudget.Check(t, "Decode", len(data), allocbudget.Multiple, func() {
							err = decodeAndUse(data, l)
						})
						var le *fedavail.LimitError
						if err != nil && (l == lifted || !errors.As(err, &le)) {
							t.Fatal(err)
						}
					})
				}
			}
		}
	}
}

// decodeAndUse decodes data as a caller does and uses every header block.
func decodeAndUse(data []byte, l xmlguard.Limits) error {
	var p ping
	msg, err := Decode(data, DecodeOptions{Body: &p, Limits: l})
	if err != nil {
		return err
	}
	_ = msg.HeaderText(ns.WSA, "Action")
	if _, err := msg.SecurityToken(); err != nil {
		return err
	}
	for i := range msg.Headers {
		if _, err := Children(&msg.Headers[i]); err != nil {
			return err
		}
	}
	return nil
}
