package autodiscover

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/fedavail/fedavail"
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
func FuzzHandler(f *testing.F) {
	seedFiles(f, "GetFederationInformation-request.xml", "GetUserSettings-request.xml", "GetDomainSettings-request.xml", "POX-request.xml")
	h := testHandler()
	h.Authenticate = func(*http.Request) (*fedavail.Requester, error) {
		return &fedavail.Requester{Address: "a@fabrikam.test"}, nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []string{soapPath, soapPath + "/WSSecurity", poxPath} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("POST", "https://x"+p, bytes.NewReader(data)))
			switch w.Code {
			case 200, 400, 401, 413, 500:
			default:
				t.Errorf("%s: status %d", p, w.Code)
			}
		}
	})
}
