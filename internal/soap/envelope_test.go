package soap

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// versionHeader is a header block with an attribute, shaped like EWS's
// RequestServerVersion.
type versionHeader struct {
	XMLName xml.Name `xml:"http://schemas.microsoft.com/exchange/services/2006/types RequestServerVersion"`
	Version string   `xml:"Version,attr"`
}

type ping struct {
	XMLName xml.Name `xml:"urn:test Ping"`
	Text    string   `xml:"Text"`
	Count   int      `xml:"Count,attr"`
}

func TestRoundTripBothVersions(t *testing.T) {
	for _, v := range []Version{V11, V12} {
		t.Run(v.String(), func(t *testing.T) {
			env := &Envelope{
				Version: v,
				Headers: append(Addressing("urn:act", "https://example.test/svc", "urn:uuid:1"),
					versionHeader{Version: "Exchange2010_SP1"}),
				Body: ping{Text: "a < b & c", Count: 3},
			}
			data, err := env.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			var got ping
			msg, err := Decode(data, DecodeOptions{Body: &got, BodyName: xml.Name{Space: "urn:test", Local: "Ping"}, Version: v})
			if err != nil {
				t.Fatalf("Decode: %v\n%s", err, data)
			}
			if msg.Version != v {
				t.Errorf("Version = %v, want %v", msg.Version, v)
			}
			want := ping{XMLName: xml.Name{Space: "urn:test", Local: "Ping"}, Text: "a < b & c", Count: 3}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if a := msg.HeaderText(ns.WSA, "Action"); a != "urn:act" {
				t.Errorf("Action = %q", a)
			}
			if len(msg.Headers) != 5 {
				t.Errorf("%d headers, want 5", len(msg.Headers))
			}
			var rsv versionHeader
			if err := msg.Header(ns.EWSTypes, "RequestServerVersion").Decode(&rsv); err != nil || rsv.Version != "Exchange2010_SP1" {
				t.Errorf("RequestServerVersion = %+v, %v", rsv, err)
			}
			// The body stays available raw too, for servers that dispatch on it.
			var again ping
			if err := msg.Body.Decode(&again); err != nil || again.Count != 3 {
				t.Errorf("raw body decode = %+v, %v", again, err)
			}
		})
	}
}

// Header blocks often use prefixes declared on the Envelope; Standalone must
// carry those declarations so the block can be processed on its own.
func TestStandaloneCarriesInheritedNamespaces(t *testing.T) {
	data := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="` + ns.WSSE + `" xmlns:e="` + ns.XMLEnc + `" xmlns:x="urn:unused">
<s:Header><o:Security s:mustUnderstand="1"><e:EncryptedData Id="d1"><e:CipherData><e:CipherValue>AAAA</e:CipherValue></e:CipherData></e:EncryptedData></o:Security></s:Header>
<s:Body/></s:Envelope>`
	msg, err := Decode([]byte(data), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := msg.SecurityToken()
	if err != nil || tok == nil {
		t.Fatalf("SecurityToken = %v, %v", tok, err)
	}
	if tok.Name != (xml.Name{Space: ns.XMLEnc, Local: "EncryptedData"}) {
		t.Fatalf("token name = %v", tok.Name)
	}
	var v struct {
		XMLName xml.Name `xml:"http://www.w3.org/2001/04/xmlenc# EncryptedData"`
		ID      string   `xml:"Id,attr"`
		Value   string   `xml:"CipherData>CipherValue"`
	}
	if err := xml.Unmarshal(tok.Standalone(), &v); err != nil {
		t.Fatalf("standalone token does not parse: %v\n%s", err, tok.Standalone())
	}
	if v.ID != "d1" || v.Value != "AAAA" {
		t.Errorf("decoded %+v", v)
	}
	if !strings.HasPrefix(string(tok.Raw), "<e:EncryptedData") {
		t.Errorf("Raw = %q, want the bytes as sent", tok.Raw)
	}
}

func TestDecodeErrors(t *testing.T) {
	big := strings.Repeat("x", 200)
	deep := strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
	env := func(body string) string {
		return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` + body + `</s:Body></s:Envelope>`
	}
	tests := []struct {
		name   string
		in     string
		limits xmlguard.Limits
		check  func(error) bool
	}{
		{"size", env(big), xmlguard.Limits{MaxBytes: 100}, isLimit("body size")},
		{"depth", env(deep), xmlguard.Limits{}, isLimit("nesting depth")},
		{"attribute", env(`<a v="` + big + `"/>`), xmlguard.Limits{MaxAttrBytes: 50}, isLimit("attribute size")},
		{"doctype", `<!DOCTYPE x [<!ENTITY a "aaaa">]>` + env(`<a>&a;</a>`), xmlguard.Limits{}, is(fedavail.ErrDTD)},
		{"entity without doctype", env(`<!ENTITY a "b">`), xmlguard.Limits{}, is(fedavail.ErrDTD)},
		{"https misprint", `<s:Envelope xmlns:s="https://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>`, xmlguard.Limits{}, isNamespace},
		{"not an envelope", `<Envelope2/>`, xmlguard.Limits{}, isXML},
		{"truncated", env(`<a>`)[:60], xmlguard.Limits{}, isXML},
		{"no body", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>`, xmlguard.Limits{}, isXML},
		{"header after body", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/><s:Header/></s:Envelope>`, xmlguard.Limits{}, isXML},
		{"garbage", "\x00\x01not xml", xmlguard.Limits{}, isXML},
		{"invalid utf-8", env("<a>\xff\xfe</a>"), xmlguard.Limits{}, isXML},
		{"unclosed comment", env("<!-- never ends"), xmlguard.Limits{}, isXML},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in), DecodeOptions{Limits: tc.limits})
			if err == nil || !tc.check(err) {
				t.Fatalf("Decode error = %T %v", err, err)
			}
		})
	}
}

func TestDecodeBodyNameChecks(t *testing.T) {
	data := []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Ping xmlns="https://schemas.microsoft.com/exchange/2010/Autodiscover"/></s:Body></s:Envelope>`)
	_, err := Decode(data, DecodeOptions{BodyName: xml.Name{Space: ns.Autodiscover, Local: "Ping"}})
	var nse *fedavail.NamespaceError
	if !errors.As(err, &nse) {
		t.Fatalf("err = %v, want NamespaceError", err)
	}
	if !strings.Contains(nse.Error(), "misprint") {
		t.Errorf("NamespaceError does not explain the https misprint: %v", nse)
	}
	_, err = Decode(data, DecodeOptions{BodyName: xml.Name{Space: ns.Autodiscover, Local: "Pong"}})
	if !isXML(err) {
		t.Fatalf("wrong element: err = %v, want XMLError", err)
	}
	_, err = Decode(data, DecodeOptions{Version: V11})
	if !errors.As(err, &nse) {
		t.Fatalf("version mismatch: err = %v, want NamespaceError", err)
	}
}

func isLimit(what string) func(error) bool {
	return func(err error) bool {
		var le *fedavail.LimitError
		return errors.As(err, &le) && le.What == what
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func isNamespace(err error) bool {
	var e *fedavail.NamespaceError
	return errors.As(err, &e)
}

func isXML(err error) bool {
	var e *fedavail.XMLError
	return errors.As(err, &e)
}
