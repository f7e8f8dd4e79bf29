package ews

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/allocbudget"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// budgetSizes are the amplification sizes: declarations × header blocks
// (or repeated body elements).
var budgetSizes = []struct{ decls, count int }{{30, 30}, {300, 300}}

// forEachAmplified runs f on every shape and size of the namespace
// amplification of issue 12, under the default limits and with the
// declaration limits lifted; body makes the Body's content from the
// declarations to put on each of its elements and the repeat count.
func forEachAmplified(t *testing.T, body func(decls string, count int) string, f func(t *testing.T, data []byte, l xmlguard.Limits) error) {
	for _, shape := range allocbudget.Shapes {
		for _, size := range budgetSizes {
			// The body's elements carry declarations too, except in the
			// shapes that put them on the header blocks.
			decls := ""
			if shape == allocbudget.OnSection || shape == allocbudget.OnEnvelope {
				decls = allocbudget.Declarations(min(size.decls, 60))
			}
			data := allocbudget.Envelope(ns.SOAP11, shape, size.decls, size.count, body(decls, size.count))
			for _, l := range []xmlguard.Limits{{}, allocbudget.LiftedLimits} {
				lifted := l == allocbudget.LiftedLimits
				t.Run(fmt.Sprintf("%s/%dx%d/lifted=%v", shape, size.decls, size.count, lifted), func(t *testing.T) {
					var err error
					allocbudget.Check(t, "decode", len(data), allocbudget.Multiple, func() { err = f(t, data, l) })
					if err != nil && (lifted || !errors.As(err, new(*fedavail.LimitError))) {
						t.Fatalf("%v", err)
					}
				})
			}
		}
	}
}

// amplifiedRequest is a GetUserAvailabilityRequest for count mailboxes,
// decls on every mailbox.
func amplifiedRequest(decls string, count int) string {
	mb := `<t:MailboxData xmlns:t="` + TypesNS + `"` + decls + `><t:Email><t:Address>a@example.com</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType></t:MailboxData>`
	return `<m:GetUserAvailabilityRequest xmlns:m="` + MessagesNS + `" xmlns:t="` + TypesNS + `"` + decls + `><m:MailboxDataArray>` + strings.Repeat(mb, count) +
		`</m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>2024-03-11T00:00:00</t:StartTime><t:EndTime>2024-03-12T00:00:00</t:EndTime></t:TimeWindow><t:RequestedView>FreeBusy</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest>`
}

// amplifiedResponse is a GetUserAvailabilityResponse for count mailboxes,
// decls on every FreeBusyResponse.
func amplifiedResponse(decls string, count int) string {
	fb := `<FreeBusyResponse` + decls + `><ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode></ResponseMessage><FreeBusyView><FreeBusyViewType xmlns="` + TypesNS + `"` + decls + `>FreeBusy</FreeBusyViewType></FreeBusyView></FreeBusyResponse>`
	return `<GetUserAvailabilityResponse xmlns="` + MessagesNS + `"` + decls + `><FreeBusyResponseArray>` + strings.Repeat(fb, count) + `</FreeBusyResponseArray></GetUserAvailabilityResponse>`
}

// TestRequestDecoderAllocationBudget holds the handler's request decoder,
// as it reads internal and federated requests, to allocbudget.Multiple
// bytes per input byte on every shape of the namespace amplification.
func TestRequestDecoderAllocationBudget(t *testing.T) {
	r := new(requestReader)
	forEachAmplified(t, amplifiedRequest, func(t *testing.T, data []byte, l xmlguard.Limits) error {
		if _, _, err := decodeRequest(r, data, l); err != nil {
			return err
		}
		_, _, err := decodeFederatedRequest(r, data, l, acceptToken)
		return err
	})
}

// acceptToken is a token callback that accepts anything, as a cached
// token's validation does.
func acceptToken(*soap.Element) error { return nil }

// TestResponseDecoderAllocationBudget is the asking side: a partner's
// answer, read as the client reads it (xmlscan first, encoding/xml when it
// declines), and a partner's fault, within the same budget.
func TestResponseDecoderAllocationBudget(t *testing.T) {
	t.Run("answer", func(t *testing.T) {
		forEachAmplified(t, amplifiedResponse, func(t *testing.T, data []byte, l xmlguard.Limits) error {
			resp := new(GetUserAvailabilityResponse)
			_, err := soap.Decode(data, soap.DecodeOptions{Limits: l, Body: resp, BodyName: getUserAvailabilityResponseName, Scan: resp.scanEnvelope})
			return err
		})
	})
	t.Run("fault", func(t *testing.T) {
		fault := func(decls string, count int) string {
			return `<s:Fault` + decls + `><faultcode>s:Client</faultcode><faultstring>no</faultstring><detail>` +
				strings.Repeat(`<e:ResponseCode xmlns:e="`+ns.EWSErrors+`"`+decls+`>ErrorServerBusy</e:ResponseCode>`, count) + `</detail></s:Fault>`
		}
		forEachAmplified(t, fault, func(t *testing.T, data []byte, l xmlguard.Limits) error {
			_, err := soap.Decode(data, soap.DecodeOptions{Limits: l, Body: new(GetUserAvailabilityResponse), BodyName: getUserAvailabilityResponseName})
			if errors.As(err, new(*fedavail.Fault)) {
				return nil
			}
			return err
		})
	})
}

// TestUnauthenticatedRequestBudget is issue 12.4's cost before
// authentication: a federated request with a forged token and a body near
// the size limit is refused with 401 having allocated a small fraction of
// what decoding its body costs — the body is never parsed.
func TestUnauthenticatedRequestBudget(t *testing.T) {
	h, err := NewHandler(HandlerConfig{Calendars: testCalendars(), Policy: stubPolicy{}, Tokens: refuseAll{}})
	if err != nil {
		t.Fatal(err)
	}
	token := `<e:EncryptedData xmlns:e="` + ns.XMLEnc + `"><e:CipherData><e:CipherValue>AAAA</e:CipherValue></e:CipherData></e:EncryptedData>`
	body := amplifiedRequest("", 2000)
	data := []byte(`<s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Header><o:Security xmlns:o="` + ns.WSSE + `">` + token + `</o:Security></s:Header><s:Body>` + body + `</s:Body></s:Envelope>`)
	serve := func() int {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/EWS/Exchange.asmx/WSSecurity", bytes.NewReader(data))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	serve() // pools and caches warm
	var code int
	refused := allocbudget.Bytes(func() { code = serve() })
	if code != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", code)
	}
	decoded := allocbudget.Bytes(func() { _, _, _ = decodeRequest(new(requestReader), data, xmlguard.Limits{}) })
	// Reading the body into memory is the one cost proportional to it:
	// about one input's size. Decoding it costs many times that.
	if limit := uint64(len(data))*2 + allocbudget.Fixed; refused > limit {
		t.Errorf("a %d-byte request with a forged token allocated %d bytes before its 401, over %d (decoding its body allocates %d)", len(data), refused, limit, decoded)
	}
	t.Logf("%d-byte request: refused after %d bytes allocated; decoding it allocates %d", len(data), refused, decoded)
}

// refuseAll refuses every token.
type refuseAll struct{}

func (refuseAll) ValidateToken(context.Context, []byte, fedavail.Offer) (*fedavail.Requester, error) {
	return nil, errors.New("forged")
}

// FuzzRequestBudget fails when the handler's request reading (internal,
// and federated: the token handed over mid-decode) allocates more than
// allocbudget's multiple of the request's size.
func FuzzRequestBudget(f *testing.F) {
	for _, shape := range allocbudget.Shapes {
		f.Add(allocbudget.Envelope(ns.SOAP11, shape, 40, 40, amplifiedRequest("", 2)))
	}
	r := new(requestReader)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range []xmlguard.Limits{{}, allocbudget.LiftedLimits} {
			allocbudget.Check(t, "request", len(data), allocbudget.Multiple, func() {
				_, _, _ = decodeRequest(r, data, l)
				_, _, _ = decodeFederatedRequest(r, data, l, acceptToken)
			})
		}
	})
}

// FuzzResponseBudget is the client's side: an answer or a fault from a
// partner, within the same budget.
func FuzzResponseBudget(f *testing.F) {
	for _, shape := range allocbudget.Shapes {
		f.Add(allocbudget.Envelope(ns.SOAP11, shape, 40, 40, amplifiedResponse("", 2)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range []xmlguard.Limits{{}, allocbudget.LiftedLimits} {
			allocbudget.Check(t, "answer", len(data), allocbudget.Multiple, func() {
				resp := new(GetUserAvailabilityResponse)
				_, _ = soap.Decode(data, soap.DecodeOptions{Limits: l, Body: resp, BodyName: getUserAvailabilityResponseName, Scan: resp.scanEnvelope})
			})
		}
	})
}

// TestClientHostileAnswers is issue 12.2 end to end: a partner answering
// with namespace-amplified faults and answers, over and under the limits.
// The client returns one of its documented errors, having allocated at
// most allocbudget.Multiple bytes per byte of the answer (the connection
// is opened by a first call, outside the measure).
func TestClientHostileAnswers(t *testing.T) {
	fault := func(decls string, count int) string {
		return `<s:Fault` + decls + `><faultcode>s:Client</faultcode><faultstring>no</faultstring><detail>` +
			strings.Repeat(`<e:ResponseCode xmlns:e="`+ns.EWSErrors+`"`+decls+`>ErrorInvalidRequest</e:ResponseCode>`, count) + `</detail></s:Fault>`
	}
	tests := []struct {
		name   string
		status int
		data   []byte
	}{
		{"fault over the limits", http.StatusInternalServerError, allocbudget.Envelope(ns.SOAP11, allocbudget.OnEnvelope, 300, 300, fault(allocbudget.Declarations(60), 300))},
		{"fault under the limits", http.StatusInternalServerError, allocbudget.Envelope(ns.SOAP11, allocbudget.OnEnvelope, 60, 3000, fault("", 300))},
		{"answer over the limits", http.StatusOK, allocbudget.Envelope(ns.SOAP11, allocbudget.OnEnvelope, 300, 300, amplifiedResponse(allocbudget.Declarations(60), 300))},
		{"answer under the limits", http.StatusOK, allocbudget.Envelope(ns.SOAP11, allocbudget.Nested, 160, 3000, amplifiedResponse("", 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t)
			f.answer = func(w http.ResponseWriter, _ *http.Request, _ *GetUserAvailabilityRequest) {
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				w.WriteHeader(tt.status)
				_, _ = w.Write(tt.data)
			}
			req := &AvailabilityRequest{
				Mailboxes: []Mailbox{{Address: "alice@example.com"}},
				Start:     time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC),
				FreeBusy: &FreeBusyOptions{},
			}
			_, _ = c.GetUserAvailability(t.Context(), req)
			var err error
			allocbudget.Check(t, "GetUserAvailability", len(tt.data), allocbudget.Multiple, func() { _, err = c.GetUserAvailability(t.Context(), req) })
			if err != nil && !typedDecodeError(err) && !errors.As(err, new(*fedavail.HTTPError)) {
				t.Fatalf("error %T: %v", err, err)
			}
		})
	}
}
