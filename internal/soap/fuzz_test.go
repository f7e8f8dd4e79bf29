package soap

import (
	"errors"
	"testing"

	"github.com/fedavail/fedavail"
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
			_ = msg.Headers[i].Standalone()
			_, _ = Children(&msg.Headers[i])
		}
		_, _ = msg.SecurityToken()
	})
}
