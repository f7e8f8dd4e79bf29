package autodiscover

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

func seedFiles(f *testing.F, names ...string) {
	for _, n := range names {
		if b, err := readTestdata(n); err == nil {
			f.Add(b)
		}
	}
}

func readTestdata(name string) ([]byte, error) {
	return os.ReadFile("testdata/" + name)
}

// FuzzDecodeUserSettingsResponse feeds the SOAP response decoder the client uses.
func FuzzDecodeUserSettingsResponse(f *testing.F) {
	seedFiles(f, "GetUserSettings-response.xml", "GetFederationInformation-response.xml", "GetDomainSettings-response.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		var r getUserSettingsResponse
		if err := decodeBody(data, &r, "GetUserSettingsResponseMessage"); err != nil {
			return
		}
		for i := range r.Response.UserResponses {
			for j := range r.Response.UserResponses[i].Settings {
				_ = r.Response.UserResponses[i].Settings[j].setting()
			}
			_ = settingErrors(r.Response.UserResponses[i].SettingErrors)
		}
	})
}

// FuzzDecodePOXResponse feeds the POX response decoder.
func FuzzDecodePOXResponse(f *testing.F) {
	seedFiles(f, "POX-response.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decodePOXResponse(data, xmlguard.Limits{})
		if err == nil && r.XMLName.Local != "Autodiscover" {
			t.Errorf("accepted root %v", r.XMLName)
		}
	})
}

// FuzzHandler feeds the server's request decoding; it must answer with one of
// the documented statuses and never panic.
//
// Each execution is one request to one of the handler's paths, served in
// memory by a handler built once, whose directory and token validator keep no
// state: a handler that recorded every call would grow with each execution,
// and the coverage-guided engine spends most of its time minimizing new
// inputs, which costs in proportion to how long one execution takes.
// Minimizing executions do not show in the execs/sec it reports, and
// minimizing takes a number of executions quadratic in the input's length
// (up to a minute per input), so the seeds are the shortest requests of each
// kind rather than the golden files; the envelope parser has its own fuzz
// target in internal/soap.
func FuzzHandler(f *testing.F) {
	paths := []string{soapPath, soapPath + "/WSSecurity", poxPath}
	for p := range paths {
		for _, seed := range handlerSeeds {
			f.Add(uint8(p), []byte(seed))
		}
	}
	h := &Handler{
		Federation: fabrikamFederation,
		Directory:  testDirectory(),
		Validator:  acceptAnyToken{},
		Authenticate: func(*http.Request) (*fedavail.Requester, error) {
			return &fedavail.Requester{Address: "a@fabrikam.test"}, nil
		},
	}
	f.Fuzz(func(t *testing.T, path uint8, data []byte) {
		p := paths[int(path)%len(paths)]
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "https://x"+p, bytes.NewReader(data)))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge, http.StatusInternalServerError:
		default:
			t.Errorf("%s: status %d", p, w.Code)
		}
		// Every SOAP answer, the echoed wsa:RelatesTo included, is a
		// well-formed envelope.
		if w.Code == http.StatusOK && p != poxPath {
			if _, err := soap.Decode(w.Body.Bytes(), soap.DecodeOptions{}); err != nil {
				var f *fedavail.Fault
				if !errors.As(err, &f) {
					t.Errorf("%s: answer does not decode: %v\n%s", p, err, w.Body)
				}
			}
		}
	})
}

// acceptAnyToken is a TokenValidator that accepts every token and records
// nothing.
type acceptAnyToken struct{}

func (acceptAnyToken) ValidateToken(context.Context, []byte, fedavail.Offer) (*fedavail.Requester, error) {
	return &fedavail.Requester{Address: "alice@contoso.test", Domain: "contoso.test", Federated: true}, nil
}

// handlerSeeds are the shortest requests of each kind the handler answers.
var handlerSeeds = []string{
	`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><a:GetFederationInformationRequestMessage xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover"><a:Request><a:Domain>fabrikam.test</a:Domain></a:Request></a:GetFederationInformationRequestMessage></s:Body></s:Envelope>`,
	`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><s:Body><a:GetUserSettingsRequestMessage xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover"><a:Request><a:Users><a:User><a:Mailbox>bob@fabrikam.test</a:Mailbox></a:User></a:Users><a:RequestedSettings><a:Setting>ExternalEwsUrl</a:Setting><a:Setting>X</a:Setting></a:RequestedSettings></a:Request></a:GetUserSettingsRequestMessage></s:Body></s:Envelope>`,
	`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:w="http://www.w3.org/2005/08/addressing"><s:Header><w:MessageID>urn:uuid:1&amp;&lt;</w:MessageID></s:Header><s:Body><a:GetFederationInformationRequestMessage xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover"><a:Request><a:Domain>fabrikam.test</a:Domain></a:Request></a:GetFederationInformationRequestMessage></s:Body></s:Envelope>`,
	`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><a:GetDomainSettingsRequestMessage xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover"><a:Request><a:Domains><a:Domain>fabrikam.test</a:Domain></a:Domains><a:RequestedSettings><a:Setting>ExternalEwsUrl</a:Setting></a:RequestedSettings></a:Request></a:GetDomainSettingsRequestMessage></s:Body></s:Envelope>`,
	`<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>bob@fabrikam.test</EMailAddress></Request></Autodiscover>`,
}
