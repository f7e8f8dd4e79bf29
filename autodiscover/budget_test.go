package autodiscover

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/allocbudget"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// TestHandlerAllocationBudget is issue 12.1 as it was found: an anonymous
// GetFederationInformation whose envelope multiplies namespace
// declarations by header blocks. Under the handler's limits the request
// is answered (or refused) having allocated at most
// allocbudget.Multiple bytes per byte of it; before the scopes were
// shared, 171 KiB of it cost ~7 GB.
func TestHandlerAllocationBudget(t *testing.T) {
	h := testHandler()
	body := `<a:GetFederationInformationRequestMessage xmlns:a="` + ns.Autodiscover + `"><a:Request><a:Domain>fabrikam.test</a:Domain></a:Request></a:GetFederationInformationRequestMessage>`
	for _, shape := range allocbudget.Shapes {
		for _, size := range []struct{ decls, headers int }{{30, 30}, {60, 1000}, {60, 3000}, {60, 10000}, {300, 300}} {
			for _, path := range []string{"/autodiscover/autodiscover.svc", "/autodiscover/autodiscover.svc/WSSecurity"} {
				data := allocbudget.Envelope(ns.SOAP11, shape, size.decls, size.headers, body)
				t.Run(fmt.Sprintf("%s/%s/%dx%d", path, shape, size.decls, size.headers), func(t *testing.T) {
					var code int
					allocbudget.Check(t, "handler", len(data), allocbudget.Multiple, func() {
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, bytes.NewReader(data)))
						code = rec.Code
					})
					if code != http.StatusOK && code != http.StatusBadRequest && code != http.StatusUnauthorized && code != http.StatusRequestEntityTooLarge {
						t.Fatalf("status %d", code)
					}
				})
			}
		}
	}
}

// TestDecoderAllocationBudget holds the other decoders of Autodiscover —
// the client's SOAP and POX answers, the server's POX requests — to the
// same budget, the declaration limits lifted so that the decoders
// themselves are measured.
func TestDecoderAllocationBudget(t *testing.T) {
	lifted := allocbudget.LiftedLimits
	settings := func(decls string, n int) string {
		return `<GetFederationInformationResponseMessage xmlns="` + ns.Autodiscover + `"` + decls + `><Response><ErrorCode>NoError</ErrorCode><ApplicationUri>x</ApplicationUri><Domains>` +
			strings.Repeat(`<Domain`+decls+`>fabrikam.test</Domain>`, n) + `</Domains></Response></GetFederationInformationResponseMessage>`
	}
	pox := func(root, inner, decls string, n int) []byte {
		return []byte(`<Autodiscover xmlns="` + root + `"` + decls + `>` + strings.Repeat(inner, n) + `</Autodiscover>`)
	}
	for _, size := range []struct{ decls, count int }{{30, 30}, {300, 300}} {
		decls := allocbudget.Declarations(size.decls)
		cases := []struct {
			name   string
			data   []byte
			decode func(data []byte, l xmlguard.Limits) error
		}{
			{"SOAP answer", allocbudget.Envelope(ns.SOAP11, allocbudget.OnEnvelope, size.decls, size.count, settings(decls, size.count)), func(data []byte, l xmlguard.Limits) error {
				var r getFederationInformationResponse
				_, err := soap.Decode(data, soap.DecodeOptions{Limits: l, Body: &r, BodyName: xml.Name{Space: ns.Autodiscover, Local: "GetFederationInformationResponseMessage"}})
				return err
			}},
			{"POX answer", pox(ns.POXResponseRoot, `<Response xmlns="`+ns.POXResponse+`"`+decls+`><User><DisplayName>x</DisplayName></User></Response>`, decls, size.count), func(data []byte, l xmlguard.Limits) error {
				_, err := decodePOXResponse(data, l)
				return err
			}},
			{"POX request", pox(ns.POXRequest, `<Request`+decls+`><EMailAddress>a@b</EMailAddress></Request>`, decls, size.count), func(data []byte, l xmlguard.Limits) error {
				_, err := decodePOXRequest(data, l)
				return err
			}},
		}
		for _, c := range cases {
			for _, l := range []xmlguard.Limits{{}, lifted} {
				t.Run(fmt.Sprintf("%s/%dx%d/lifted=%v", c.name, size.decls, size.count, l == lifted), func(t *testing.T) {
					var err error
					allocbudget.Check(t, c.name, len(c.data), allocbudget.Multiple, func() { err = c.decode(c.data, l) })
					if err != nil && (l == lifted || !errors.As(err, new(*fedavail.LimitError))) {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

// FuzzHandlerBudget fails when the handler, on either SOAP path or the POX
// path, allocates more than allocbudget's multiple of a request's size.
func FuzzHandlerBudget(f *testing.F) {
	body := `<a:GetFederationInformationRequestMessage xmlns:a="` + ns.Autodiscover + `"><a:Request><a:Domain>fabrikam.test</a:Domain></a:Request></a:GetFederationInformationRequestMessage>`
	for _, shape := range allocbudget.Shapes {
		f.Add(uint8(0), allocbudget.Envelope(ns.SOAP11, shape, 40, 40, body))
	}
	h := &Handler{Federation: fabrikamFederation, Directory: testDirectory(), Validator: acceptAnyToken{}, Authenticate: basicAuth}
	paths := []string{"/autodiscover/autodiscover.svc", "/autodiscover/autodiscover.svc/WSSecurity", "/autodiscover/autodiscover.xml"}
	f.Fuzz(func(t *testing.T, path uint8, data []byte) {
		p := paths[int(path)%len(paths)]
		allocbudget.Check(t, "handler", len(data), allocbudget.Multiple, func() {
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, p, bytes.NewReader(data))
			req.SetBasicAuth("alice@fabrikam.test", "secret")
			h.ServeHTTP(httptest.NewRecorder(), req)
		})
	})
}
