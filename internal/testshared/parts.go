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
		// The schema has RequestTypeHeader as a type only (Exchange declares
		// the header element in code), so it cannot be a validation root;
		// the tests that send it check its content.
		if msg.Headers[i].Name.Local == "RequestTypeHeader" {
			continue
		}
		if isEWS(msg.Headers[i].Name.Space) {
			out = append(out, msg.Headers[i].Standalone())
		}
	}
	if isEWS(msg.Body.Name.Space) {
		out = append(out, msg.Body.Standalone())
	}
	return out, nil
}
