package wstrust

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"github.com/fedavail/fedavail/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/wssec"
)

const testEndpoint = "https://sts.example.net/extSTS.srf"

func testClient(t testing.TB, kp *fedtest.KeyPair) *Client {
	return &Client{
		Endpoint:       testEndpoint,
		ApplicationURI: "FYDIBOHF25SPDLT.contoso.com",
		Keys:           ring(t, kp),
		Now:            fixedClock(t0),
		Rand:           &countingReader{},
	}
}

var freeBusy = fedavail.TokenRequest{Requester: "alice@contoso.com", Audience: "FYDIBOHF25SPDLT.fabrikam.com", Offer: fedavail.OfferFreeBusy}

func TestRequestGolden(t *testing.T) {
	c := &Client{Endpoint: testEndpoint, ApplicationURI: "FYDIBOHF25SPDLT.contoso.com", Now: fixedClock(tGolden), Rand: &countingReader{}}
	for _, tc := range []struct {
		file   string
		method SignatureMethod
	}{
		{"rst-rsa-sha1.golden.xml", RSASHA1},
		{"rst-rsa-sha256.golden.xml", RSASHA256},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c.Rand = &countingReader{}
			sg := goldenSigning(t)
			sg.Method = tc.method
			got, err := c.NewRequest(freeBusy).Marshal(sg)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tc.file, got)
		})
	}
}

func TestAppliesTo(t *testing.T) {
	for in, want := range map[string]string{
		"FYDIBOHF25SPDLT.fabrikam.com":        "http://FYDIBOHF25SPDLT.fabrikam.com",
		"outlook.com":                         "http://outlook.com",
		" outlook.com ":                       "http://outlook.com",
		"http://FYDIBOHF25SPDLT.fabrikam.com": "http://FYDIBOHF25SPDLT.fabrikam.com",
		"urn:federation:partner":              "urn:federation:partner",
	} {
		if got := AppliesTo(in); got != want {
			t.Errorf("AppliesTo(%q) = %q, want %q", in, got, want)
		}
	}
}

func newVerifier(kps ...*fedtest.KeyPair) *Verifier {
	return &Verifier{Certificate: certsBySKI(kps...), Endpoint: testEndpoint, IssuerURI: DefaultIssuerURI, Now: fixedClock(t0.Add(time.Minute))}
}

func TestVerifyRoundTrip(t *testing.T) {
	testKeys(t)
	for _, m := range []SignatureMethod{RSASHA1, RSASHA256} {
		c := testClient(t, orgA)
		c.SignatureMethod = m
		r := c.NewRequest(freeBusy)
		data, err := r.Marshal(Signing{Key: orgA.Key, SKI: orgA.SKI(), Method: m})
		if err != nil {
			t.Fatal(err)
		}
		got, err := newVerifier(orgB, orgA).Verify(data)
		if err != nil {
			t.Fatalf("method %d: %v", m, err)
		}
		want := &IncomingRequest{
			Certificate: orgA.Cert, MessageID: r.MessageID, To: testEndpoint,
			Created: t0, Expires: t0.Add(5 * time.Minute), ID: r.ID,
			TokenType: TokenTypeSAML11, KeyType: KeyTypeSymmetric, KeySize: 256,
			AppliesTo: "http://FYDIBOHF25SPDLT.fabrikam.com", Requestor: "FYDIBOHF25SPDLT.contoso.com",
			Offer: fedavail.OfferFreeBusy, PolicyReference: DefaultPolicyReference,
			OnBehalfOf: r.OnBehalfOf,
			// The header signature's value, as sent (the replay cache's key).
			SignatureValue: got.SignatureValue,
		}
		if sv := base64.StdEncoding.EncodeToString(got.SignatureValue); len(got.SignatureValue) != orgA.Key.Size() || !strings.Contains(string(data), sv) {
			t.Errorf("method %d: SignatureValue %q is not a signature of the request", m, sv)
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b *x509.Certificate) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("method %d (-want +got):\n%s", m, diff)
		}
	}
}

// signedWith builds a request and lets mutate change the unsigned Request
// or the signed bytes.
func signedWith(t *testing.T, kp *fedtest.KeyPair, edit func(*Request)) []byte {
	t.Helper()
	r := testClient(t, kp).NewRequest(freeBusy)
	if edit != nil {
		edit(r)
	}
	data, err := r.Marshal(Signing{Key: kp.Key, SKI: kp.SKI()})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func replace(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%q not in request", old)
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

func TestVerifyRejects(t *testing.T) {
	testKeys(t)
	good := signedWith(t, orgA, nil)
	// A signature over the To header only, spliced in place of the real one.
	partial := func() []byte {
		r := testClient(t, orgA).NewRequest(freeBusy)
		s := &wssec.Signer{Key: orgA.Key, SKI: orgA.SKI()}
		to := []byte(`<a:To xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" s:mustUnderstand="1" u:Id="_1">` + r.To + `</a:To>`)
		sig, err := s.Sign([]wssec.Reference{{ID: "_1", Element: to}})
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(good, []byte("<ds:Signature"))
		j := bytes.Index(good, []byte("</ds:Signature>")) + len("</ds:Signature>")
		return append(append(append([]byte(nil), good[:i]...), sig...), good[j:]...)
	}()
	tests := []struct {
		name string
		data []byte
		v    *Verifier
		want Reason
	}{
		{"not XML", []byte("garbage"), nil, ReasonMalformed},
		{"DTD", append([]byte(`<!DOCTYPE x [<!ENTITY a "b">]>`), good...), nil, ReasonMalformed},
		{"no security header", removeBetween(good, "<o:Security", "</o:Security>"), nil, ReasonUnsigned},
		{"no signature", removeBetween(good, "<ds:Signature", "</ds:Signature>"), nil, ReasonUnsigned},
		{"unknown key", good, newVerifier(orgB), ReasonUnknownKey},
		{"To changed", replace(t, good, ">"+testEndpoint+"</a:To>", ">https://evil.example/</a:To>"), nil, ReasonBadSignature},
		{"timestamp changed", replace(t, good, "<u:Expires>"+formatTime(t0.Add(5*time.Minute)), "<u:Expires>"+formatTime(t0.Add(30*time.Minute))), nil, ReasonBadSignature},
		{"signature value changed", replace(t, good, "<ds:SignatureValue>", "<ds:SignatureValue>AAAA"), nil, ReasonBadSignature},
		{"expired", good, &Verifier{Certificate: certsBySKI(orgA), Now: fixedClock(t0.Add(11 * time.Minute))}, ReasonExpired},
		{"from the future", good, &Verifier{Certificate: certsBySKI(orgA), Now: fixedClock(t0.Add(-6 * time.Minute))}, ReasonExpired},
		{"other endpoint", good, &Verifier{Certificate: certsBySKI(orgA), Endpoint: "https://broker.example/", Now: fixedClock(t0)}, ReasonWrongTo},
		{"duplicate ID", replace(t, good, "<a:MessageID ", `<a:MessageID u:Id="_1" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" `), nil, ReasonWrapping},
		{"second To header", replace(t, good, "<a:MessageID ", `<a:To xmlns:a="http://www.w3.org/2005/08/addressing">https://evil.example/</a:To><a:MessageID `), nil, ReasonWrapping},
		{"only To signed", partial, nil, ReasonNotCovered},
		{"assertion e-mail changed", replace(t, good, "<saml:AttributeValue>alice@contoso.com", "<saml:AttributeValue>mallory@contoso.com"), nil, ReasonAssertion},
		{"assertion signed by other key", spliceAssertion(t, good, signedWith(t, orgB, nil)), newVerifier(orgA, orgB), ReasonAssertion},
		{"requestor differs from issuer", signedWith(t, orgA, func(r *Request) { r.Requestor = "FYDIBOHF25SPDLT.fabrikam.com" }), nil, ReasonAssertion},
		{"assertion expired", signedWith(t, orgA, func(r *Request) { r.OnBehalfOf.NotOnOrAfter = t0.Add(-10 * time.Minute) }), nil, ReasonAssertion},
		{"assertion for another broker", signedWith(t, orgA, func(r *Request) { r.OnBehalfOf.Audience = "urn:other" }), nil, ReasonAssertion},
		{"no offer", signedWith(t, orgA, func(r *Request) { r.Offer = "" }), nil, ReasonMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			if v == nil {
				v = newVerifier(orgA)
			}
			got, err := v.Verify(tc.data)
			var re *VerifyError
			if !errors.As(err, &re) {
				t.Fatalf("Verify = %v, %v; want a *VerifyError", got, err)
			}
			if re.Reason != tc.want {
				t.Errorf("reason = %q (%v), want %q", re.Reason, err, tc.want)
			}
			// The log line gets the reason and the cause, through the
			// same method token.ValidationError offers.
			if d := fedavail.ErrorDetail(err); d != re.Detail() || !strings.HasPrefix(d, tc.want.String()+": ") {
				t.Errorf("ErrorDetail = %q, want %q: <cause>", d, tc.want)
			}
		})
	}
}

func removeBetween(data []byte, start, end string) []byte {
	i := bytes.Index(data, []byte(start))
	j := bytes.Index(data, []byte(end)) + len(end)
	return append(append([]byte(nil), data[:i]...), data[j:]...)
}

// spliceAssertion puts the on-behalf-of assertion of from into to.
func spliceAssertion(t *testing.T, to, from []byte) []byte {
	t.Helper()
	get := func(b []byte) (int, int) {
		return bytes.Index(b, []byte("<saml:Assertion")), bytes.Index(b, []byte("</saml:Assertion>")) + len("</saml:Assertion>")
	}
	i, j := get(to)
	k, l := get(from)
	out := append(append(append([]byte(nil), to[:i]...), from[k:l]...), to[j:]...)
	if bytes.Equal(out, to) {
		t.Fatal("splice changed nothing")
	}
	return out
}

func TestVerifyCommentInEmail(t *testing.T) {
	testKeys(t)
	// A comment inside a claim must not change what is read: the assertion
	// is read from its canonical form, where comments are gone.
	data := signedWith(t, orgA, func(r *Request) { r.OnBehalfOf.Email = "alice@contoso.com" })
	data = replace(t, data, "<saml:AttributeValue>alice@contoso.com", "<saml:AttributeValue>alice@contoso.com<!--.evil.example-->")
	got, err := newVerifier(orgA).Verify(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.OnBehalfOf.Email != "alice@contoso.com" {
		t.Errorf("email = %q", got.OnBehalfOf.Email)
	}
	if strings.Contains(got.OnBehalfOf.Email, "evil") {
		t.Error("comment leaked into the claim")
	}
}

// TestGoldenVerifies checks that the bytes on disk, not just freshly built
// ones, carry valid signatures.
func TestGoldenVerifies(t *testing.T) {
	sg := goldenSigning(t)
	cert, _, err := pki.New(pki.Options{CommonName: "golden", Key: sg.Key.(*rsa.PrivateKey), NotBefore: tGolden.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"rst-rsa-sha1.golden.xml", "rst-rsa-sha256.golden.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		v := &Verifier{Certificate: func(ski []byte) *x509.Certificate {
			if bytes.Equal(ski, sg.SKI) {
				return cert
			}
			return nil
		}, Endpoint: testEndpoint, Now: fixedClock(tGolden.Add(time.Minute))}
		got, err := v.Verify(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got.OnBehalfOf.Email != "alice@contoso.com" || got.Offer != fedavail.OfferFreeBusy {
			t.Errorf("%s: read %+v", f, got)
		}
	}
}
