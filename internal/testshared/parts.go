package testshared

import (
	"strings"

	"github.com/fedavail/fedavail/internal/soap"
)

func ewsParts(envelope []byte) ([][]byte, error) {
	msg, err := soap.Decode(envelope, soap.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	var out [][]byte
	isEWS := func(space string) bool {
		return strings.HasPrefix(space, "http://schemas.microsoft.com/exchange/services/2006/")
	}
	for i := range msg.Headers {
		if isEWS(msg.Headers[i].Name.Space) {
			out = append(out, msg.Headers[i].Standalone())
		}
	}
	if isEWS(msg.Body.Name.Space) {
		out = append(out, msg.Body.Standalone())
	}
	return out, nil
}
