package mfg

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/allocbudget"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// TestDecodeAnswerAllocationBudget holds the client's answer decoding (as
// FuzzDecodeAnswer runs it: the result, or the fault read as a DomainError)
// to allocbudget.Multiple bytes per byte of a gateway's answer multiplying
// namespace declarations by header blocks and detail elements, under the
// default limits and with the declaration limits lifted.
func TestDecodeAnswerAllocationBudget(t *testing.T) {
	result := `<GetDomainInfoResponse xmlns="` + Namespace + `"><GetDomainInfoResult><DomainName>d</DomainName><AppId>a</AppId><DomainState>Active</DomainState></GetDomainInfoResult></GetDomainInfoResponse>`
	faultBody := func(count int) string {
		return `<s:Fault><faultcode>s:Client</faultcode><faultstring>x</faultstring><detail>` + strings.Repeat(`<x:D xmlns:x="urn:x">1</x:D>`, count) + `</detail></s:Fault>`
	}
	for _, shape := range allocbudget.Shapes {
		for _, size := range []struct{ decls, count int }{{30, 30}, {300, 300}} {
			for _, body := range []string{result, faultBody(size.count)} {
				data := allocbudget.Envelope(ns.SOAP11, shape, size.decls, size.count, body)
				for _, l := range []xmlguard.Limits{{}, allocbudget.LiftedLimits} {
					lifted := l == allocbudget.LiftedLimits
					t.Run(fmt.Sprintf("%s/%s/%dx%d/lifted=%v", body[1:7], shape, size.decls, size.count, lifted), func(t *testing.T) {
						var err error
						allocbudget.Check(t, "answer", len(data), allocbudget.Multiple, func() {
							var out struct {
								Result *DomainInfo `xml:"GetDomainInfoResult"`
							}
							_, err = soap.Decode(data, soap.DecodeOptions{Limits: l, Body: &out, BodyName: xml.Name{Space: Namespace, Local: "GetDomainInfoResponse"}})
							if err != nil {
								err = answerError(err, &request{proofOf: "contoso.com", proofValue: "v"})
							}
						})
						var e *Error
						if err != nil && (lifted && !errors.As(err, &e) || !lifted && !errors.As(err, &e) && !errors.As(err, new(*fedavail.LimitError))) {
							t.Fatalf("error %T: %v", err, err)
						}
					})
				}
			}
		}
	}
}
