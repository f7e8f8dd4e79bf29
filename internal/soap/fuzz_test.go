package soap

import (
	"bytes"
	"errors"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/allocbudget"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

func FuzzDecode(f *testing.F) {
	f.Add([]byte(ewsBusyFault))
	f.Add([]byte(wstrustFault))
	f.Add([]byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><a xmlns="urn:a"/></s:Header><s:Body><Ping xmlns="urn:test" Count="1"><Text>x</Text></Ping></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p ping
		msg, err := Decode(data, DecodeOptions{Body: &p})
		if err != nil {
			var (
				fe *fedavail.Fault
				le *fedavail.LimitError
				xe *fedavail.XMLError
				ne *fedavail.NamespaceError
			)
			if !errors.As(err, &fe) && !errors.As(err, &le) && !errors.As(err, &xe) && !errors.As(err, &ne) && !errors.Is(err, fedavail.ErrDTD) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for i := range msg.Headers {
			el := &msg.Headers[i]
			if got, want := el.AppendStandalone([]byte("<x/>")), append([]byte("<x/>"), el.Standalone()...); !bytes.Equal(got, want) {
				t.Fatalf("AppendStandalone = %q, want %q", got, want)
			}
			_, _ = Children(&msg.Headers[i])
		}
		_, _ = msg.SecurityToken()
	})
}

// FuzzDecodeBudget fails when decoding an input, and using every header
// block as callers do, allocates more than allocbudget's multiple of its
// size: the namespace amplification of issue 12 cost thousands of times
// its input. The seeds include small amplified envelopes of each shape.
func FuzzDecodeBudget(f *testing.F) {
	f.Add([]byte(ewsBusyFault))
	for _, shape := range allocbudget.Shapes {
		f.Add(allocbudget.Envelope(ns.SOAP11, shape, 40, 40, `<Ping xmlns="urn:test"/>`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range []xmlguard.Limits{{}, allocbudget.LiftedLimits} {
			allocbudget.Check(t, "Decode", len(data), allocbudget.Multiple, func() { _ = decodeAndUse(data, l) })
		}
	})
}
