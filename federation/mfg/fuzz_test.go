package mfg

import (
	"encoding/xml"
	"errors"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// FuzzDecodeAnswer feeds answers through the decoding Client.call uses
// (soap.Decode into GetDomainInfo's result, then the DomainError reading of
// faults) and checks that every failure has a documented type.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte(envelope(`<GetDomainInfoResponse xmlns="` + Namespace + `"><GetDomainInfoResult><DomainName>d</DomainName><AppId>a</AppId><DomainState>Active</DomainState></GetDomainInfoResult></GetDomainInfoResponse>`)))
	f.Add([]byte(fault(ProofOfOwnershipNotValid, "no")))
	f.Add([]byte(fault(PassportError, "x", "<a>1</a><HResult>0x80048862</HResult>")))
	f.Add([]byte(envelope(`<soap:Fault><faultcode>soap:Client</faultcode><faultstring>x</faultstring><detail><a><b>12</b></a>text</detail></soap:Fault>`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out struct {
			Result *DomainInfo `xml:"GetDomainInfoResult"`
		}
		_, err := soap.Decode(data, soap.DecodeOptions{Limits: xmlguard.Limits{MaxBytes: 1 << 16}, Body: &out, BodyName: xml.Name{Space: Namespace, Local: "GetDomainInfoResponse"}})
		if err == nil {
			return
		}
		err = answerError(err, &request{proofOf: "contoso.com", proofValue: "v"})
		var (
			e  *Error
			fl *fedavail.Fault
			xe *fedavail.XMLError
			le *fedavail.LimitError
			ne *fedavail.NamespaceError
		)
		switch {
		case errors.As(err, &e):
			if e.Fault == nil || e.Error() == "" {
				t.Fatalf("DomainError without its fault: %#v", e)
			}
		case errors.As(err, &fl), errors.As(err, &xe), errors.As(err, &le), errors.As(err, &ne), errors.Is(err, fedavail.ErrDTD):
		default:
			t.Fatalf("undocumented error %T: %v", err, err)
		}
	})
}
