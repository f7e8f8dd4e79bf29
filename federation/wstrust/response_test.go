package wstrust

import (
	"bytes"
	"errors"
	"github.com/fedavail/fedavail/internal/golden"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedavail/fedavail"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseResponse(t *testing.T) {
	data := readTestdata(t, "rstr.xml")
	got, err := ParseResponse(data, fedavail.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// The token is kept byte for byte; only the prefix it inherits from the
	// envelope (wsse, used inside) is declared on it to make it standalone.
	start := bytes.Index(data, []byte("<EncryptedData"))
	end := bytes.Index(data, []byte("</EncryptedData>")) + len("</EncryptedData>")
	wantToken := bytes.Replace(data[start:end], []byte("<EncryptedData"), []byte(`<EncryptedData xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"`), 1)
	want := &Response{
		TokenType:           "urn:oasis:names:tc:SAML:1.0:assertion",
		AppliesTo:           "http://FYDIBOHF25SPDLT.fabrikam.com",
		Created:             time.Date(2026, 3, 14, 15, 9, 27, 0, time.UTC),
		Expires:             time.Date(2026, 3, 29, 15, 9, 27, 0, time.UTC),
		Token:               wantToken,
		ProofKey:            []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31},
		AttachedReference:   "uuid-0d7d6d8d-9a3c-4b5e-8f00-112233445566",
		UnattachedReference: "uuid-0d7d6d8d-9a3c-4b5e-8f00-112233445566",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	tok := got.FedavailToken()
	if tok.AssertionID != want.UnattachedReference || !tok.Expires.Equal(want.Expires) || !bytes.Equal(tok.EncryptedData, wantToken) {
		t.Errorf("FedavailToken = %+v", tok)
	}
}

func TestResponseMarshalGolden(t *testing.T) {
	r := &Response{
		TokenType: TokenTypeSAML11, AppliesTo: "http://FYDIBOHF25SPDLT.fabrikam.com",
		Created: tGolden, Expires: tGolden.Add(8 * time.Hour),
		Token:             []byte(`<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#"><CipherData><CipherValue>AA==</CipherValue></CipherData></EncryptedData>`),
		ProofKey:          bytes.Repeat([]byte{7}, 32),
		AttachedReference: "uuid-1", UnattachedReference: "uuid-1",
	}
	data, err := r.Marshal("urn:uuid:01020304-0506-4708-890a-0b0c0d0e0f10")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "rstr-marshal.golden.xml", data)
	back, err := ParseResponse(data, fedavail.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// The token comes back verbatim, with the declarations it inherits from
	// the envelope added to its start tag.
	if !bytes.HasPrefix(back.Token, []byte("<EncryptedData ")) || !bytes.HasSuffix(back.Token, r.Token[len("<EncryptedData"):]) {
		t.Errorf("token = %s", back.Token)
	}
	if diff := cmp.Diff(r, back, cmpopts.IgnoreFields(Response{}, "Token")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseResponseErrors(t *testing.T) {
	good := readTestdata(t, "rstr.xml")
	fault := []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value xmlns:a="http://schemas.xmlsoap.org/ws/2005/02/trust">a:FailedAuthentication</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">Authentication Failure</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`)
	tests := []struct {
		name  string
		data  []byte
		check func(error) bool
	}{
		{"fault", fault, func(err error) bool {
			var f *fedavail.Fault
			return errors.As(err, &f) && f.Code == "Sender" && len(f.Subcodes) == 1 && f.Subcodes[0] == "FailedAuthentication"
		}},
		{"DTD", append([]byte(`<!DOCTYPE x>`), good...), func(err error) bool { return errors.Is(err, fedavail.ErrDTD) }},
		{"too big", good, func(err error) bool { var le *fedavail.LimitError; return errors.As(err, &le) }},
		{"SOAP 1.1", bytes.ReplaceAll(good, []byte("http://www.w3.org/2003/05/soap-envelope"), []byte("http://schemas.xmlsoap.org/soap/envelope/")), isNamespaceError},
		{"WS-Trust 1.3", bytes.ReplaceAll(good, []byte("http://schemas.xmlsoap.org/ws/2005/02/trust\""), []byte("http://docs.oasis-open.org/ws-sx/ws-trust/200512\"")), isNamespaceError},
		{"no token", removeBetween(good, "<wst:RequestedSecurityToken>", "</wst:RequestedSecurityToken>"), isXMLError},
		{"no lifetime", removeBetween(good, "<wst:Lifetime>", "</wst:Lifetime>"), isXMLError},
		{"bad time", bytes.Replace(good, []byte("2026-03-29T15:09:27Z"), []byte("tomorrow"), 1), isXMLError},
		{"two tokens", bytes.Replace(good, []byte("</wst:RequestedSecurityToken>"), []byte("<EncryptedData xmlns=\"http://www.w3.org/2001/04/xmlenc#\"/></wst:RequestedSecurityToken>"), 1), isXMLError},
		{"bad proof key", bytes.Replace(good, []byte("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), []byte("!!"), 1), isXMLError},
		{"truncated", good[:len(good)/2], isXMLError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			limits := fedavail.Limits{}
			if tc.name == "too big" {
				limits.MaxBytes = 100
			}
			r, err := ParseResponse(tc.data, limits)
			if err == nil || !tc.check(err) {
				t.Errorf("ParseResponse = %+v, %v (%T)", r, err, err)
			}
		})
	}
}

func isXMLError(err error) bool { var xe *fedavail.XMLError; return errors.As(err, &xe) }
func isNamespaceError(err error) bool {
	var ne *fedavail.NamespaceError
	return errors.As(err, &ne)
}
