package mfg

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/internal/golden"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/wssec"
)

// TestGolden sends each operation to a fake gateway and compares the exact
// request (method, SOAPAction, Content-Type, body with the server's address
// replaced) with testdata/<Operation>.golden.xml, then checks what the
// golden facts of ../shared/protocol.md §8 say about it: the signature
// covers the Timestamp only and verifies with the certificate in KeyInfo,
// the proof header is present exactly for CreateAppId, AddUri and
// ReserveDomain, no mustUnderstand anywhere. The parsed answer is compared
// too.
func TestGolden(t *testing.T) {
	ring := orgRing(t)
	next := ring.Current().Cert // any certificate; its DER is sent verbatim
	tests := []struct {
		op     Operation
		answer string
		call   func(c *Client) (any, error)
		want   any
	}{
		{OpCreateAppID, `<CreateAppIdResponse xmlns="` + Namespace + `"><CreateAppIdResult><AppId> 000000004C12A5F3 </AppId></CreateAppIdResult></CreateAppIdResponse>`,
			func(c *Client) (any, error) { return c.CreateAppID(t.Context(), "FYDIBOHF25SPDLT.contoso.com") }, "000000004C12A5F3"},
		{OpUpdateAppIDCertificate, `<UpdateAppIdCertificateResponse xmlns="` + Namespace + `"/>`,
			func(c *Client) (any, error) {
				return nil, c.UpdateAppIDCertificate(t.Context(), "000000004C12A5F3", next)
			}, nil},
		{OpUpdateAppIDProperties, `<UpdateAppIdPropertiesResponse xmlns="` + Namespace + `"/>`,
			func(c *Client) (any, error) {
				return nil, c.UpdateAppIDProperties(t.Context(), "000000004C12A5F3", []Property{{Name: "a&b", Value: "<c>"}})
			}, nil},
		{OpAddURI, `<AddUriResponse xmlns="` + Namespace + `"/>`,
			func(c *Client) (any, error) { return nil, c.AddURI(t.Context(), "000000004C12A5F3", "contoso.com") }, nil},
		{OpRemoveURI, `<RemoveUriResponse xmlns="` + Namespace + `"/>`,
			func(c *Client) (any, error) { return nil, c.RemoveURI(t.Context(), "000000004C12A5F3", "contoso.com") }, nil},
		{OpReserveDomain, `<ReserveDomainResponse xmlns="` + Namespace + `"/>`,
			func(c *Client) (any, error) {
				return nil, c.ReserveDomain(t.Context(), "000000004C12A5F3", "FYDIBOHF25SPDLT.contoso.com", "")
			}, nil},
		{OpReleaseDomain, `<ReleaseDomainResponse xmlns="` + Namespace + `"/>`,
			func(c *Client) (any, error) {
				return nil, c.ReleaseDomain(t.Context(), "000000004C12A5F3", "FYDIBOHF25SPDLT.contoso.com")
			}, nil},
		{OpGetDomainInfo, `<GetDomainInfoResponse xmlns="` + Namespace + `"><GetDomainInfoResult><DomainName>FYDIBOHF25SPDLT.contoso.com</DomainName><AppId>000000004C12A5F3</AppId><DomainState>PendingActivation</DomainState></GetDomainInfoResult></GetDomainInfoResponse>`,
			func(c *Client) (any, error) {
				return c.GetDomainInfo(t.Context(), "000000004C12A5F3", "FYDIBOHF25SPDLT.contoso.com")
			}, &DomainInfo{DomainName: "FYDIBOHF25SPDLT.contoso.com", AppID: "000000004C12A5F3", DomainState: PendingActivation}},
	}
	for _, tc := range tests {
		t.Run(string(tc.op), func(t *testing.T) {
			f := newFake(t, answer{status: http.StatusOK, body: envelope(tc.answer)})
			got, err := tc.call(f.client(t))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); tc.want != nil && d != "" {
				t.Errorf("answer (-want +got):\n%s", d)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			body := bytes.ReplaceAll(r.Body, []byte(f.URL), []byte("https://gateway.test"))
			wire := fmt.Sprintf("POST %s\nContent-Type: %s\nSOAPAction: %s\n\n%s\n", r.Path, r.Header.Get("Content-Type"), r.Header.Get("SOAPAction"), body)
			golden.Check(t, string(tc.op)+".golden.xml", []byte(wire))
			checkFacts(t, tc.op, r, ring.Current().Cert)
		})
	}
}

// checkFacts asserts §8.3 on a recorded request independently of the golden bytes.
func checkFacts(t *testing.T, op Operation, r recorded, cert *x509.Certificate) {
	t.Helper()
	if got, want := r.Header.Get("SOAPAction"), `"`+op.Action()+`"`; got != want {
		t.Errorf("SOAPAction %s, want %s", got, want)
	}
	if bytes.Contains(r.Body, []byte("mustUnderstand")) {
		t.Error("mustUnderstand written")
	}
	doc := etree.NewDocument()
	must(t, doc.ReadFromBytes(r.Body))
	header := doc.Root().SelectElement("Header")
	var names []string
	for _, h := range header.ChildElements() {
		names = append(names, h.Tag)
	}
	want := []string{"Action", "To", "ReplyTo", "Security"}
	if op.NeedsProof() {
		want = append([]string{"DomainOwnershipProofHeader"}, want...)
	}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("header order (-want +got):\n%s", d)
	}
	sec := header.SelectElement("Security")
	sig, err := wssec.MustChild(sec, ns.DSig, "Signature")
	must(t, err)
	ki, _ := wssec.Child(sig, ns.DSig, "KeyInfo")
	kc, err := wssec.KeyInfoCertificate(ki)
	must(t, err)
	if !kc.Equal(cert) {
		t.Error("KeyInfo does not hold the organization certificate")
	}
	refs, err := wssec.VerifySignedInfo(sig, cert)
	must(t, err)
	if len(refs) != 1 || refs[0].ID != "_0" {
		t.Fatalf("references %+v, want only the Timestamp", refs)
	}
	ts, err := wssec.MustChild(sec, ns.WSU, "Timestamp")
	must(t, err)
	must(t, wssec.CheckDigest(refs[0], ts))
	if op.NeedsProof() {
		p := header.SelectElement("DomainOwnershipProofHeader")
		d := p.SelectElement("Domain").Text()
		raw := p.SelectElement("Signature").Text()
		if err := dnsproof.CheckSignature(cert, SigningDomain(d), mustB64(t, raw)); err != nil {
			t.Errorf("proof signature over %s: %v", SigningDomain(d), err)
		}
		if p.SelectElement("HashAlgorithm").Text() != "SHA-512" {
			t.Error("HashAlgorithm is not SHA-512")
		}
	}
}

// TestFaults maps every kind of answer to the error the caller gets.
func TestFaults(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name    string
		answers []answer
		want    error
		check   func(t *testing.T, err error)
		calls   int
	}{
		{name: "proof not valid", answers: []answer{{status: 500, body: fault(ProofOfOwnershipNotValid, "Proof of ownership not valid")}}, want: ErrProofOfOwnershipNotValid, calls: 1,
			check: func(t *testing.T, err error) {
				proof, _ := dnsproof.Proof(orgRing(t).Current().Key, "contoso.com")
				if !strings.Contains(err.Error(), `publish contoso.com. 3600 IN TXT "`+proof+`"`) {
					t.Errorf("error does not name the record: %v", err)
				}
			}},
		{name: "unknown app id", answers: []answer{{status: 500, body: fault(InvalidAppID, "bad")}}, want: ErrInvalidAppID, calls: 1},
		{name: "domain taken", answers: []answer{{status: 500, body: fault(DomainUnavailable, "taken")}}, want: ErrDomainUnavailable, calls: 1},
		{name: "passport uri not unique", answers: []answer{{status: 500, body: fault(PassportError, "x", "<HResult>0x80048862</HResult>")}}, want: ErrPassportError, calls: 1,
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) || !e.URINotUnique() {
					t.Errorf("not URI-not-unique: %v", err)
				}
			}},
		{name: "fault without domain error", answers: []answer{{status: 500, body: envelope(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>boom</faultstring></soap:Fault>`)}}, calls: 1,
			check: func(t *testing.T, err error) {
				var f *fedavail.Fault
				var e *Error
				if !errors.As(err, &f) || errors.As(err, &e) || f.Reason != "boom" {
					t.Errorf("err = %#v", err)
				}
			}},
		{name: "403 then success", answers: []answer{{status: 403}, {status: 403}, {status: 200, body: envelope(`<AddUriResponse xmlns="` + Namespace + `"/>`)}}, calls: 3},
		{name: "403 forever", answers: []answer{{status: 403}}, want: fedavail.ErrForbidden},
		{name: "500 is final", answers: []answer{{status: 500, body: "oops", header: http.Header{"Content-Type": {"text/plain"}}}}, calls: 1,
			check: func(t *testing.T, err error) {
				var he *fedavail.HTTPError
				if !errors.As(err, &he) || he.StatusCode != 500 {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "redirect to http refused", answers: []answer{{status: 302, header: http.Header{"Location": {"http://gateway.test/x"}}}}, calls: 1,
			check: func(t *testing.T, err error) {
				var he *fedavail.HTTPError
				if !errors.As(err, &he) || he.StatusCode != 302 {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "wrong answer element", answers: []answer{{status: 200, body: envelope(`<RemoveUriResponse xmlns="` + Namespace + `"/>`)}}, calls: 1,
			check: func(t *testing.T, err error) {
				if err == nil {
					t.Error("accepted another operation's answer")
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.answers...)
			c := f.client(t)
			c.RetryFor = 300 * time.Millisecond
			err := c.AddURI(ctx, "000000004C12A5F3", "contoso.com")
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && tc.check == nil && err != nil {
				t.Errorf("err = %v", err)
			}
			if tc.check != nil {
				tc.check(t, err)
			}
			if n := len(f.requests()); tc.calls > 0 && n != tc.calls {
				t.Errorf("%d requests, want %d", n, tc.calls)
			}
		})
	}
}

// TestRedirect follows a 302 to another https endpoint and posts again
// there, at most three times.
func TestRedirect(t *testing.T) {
	final := newFake(t, answer{status: 200, body: envelope(`<RemoveUriResponse xmlns="` + Namespace + `"/>`)})
	first := newFake(t, answer{status: 302, header: http.Header{"Location": {final.URL + "/moved.asmx"}}})
	c := first.client(t)
	c.HTTPClient = final.Client() // both fakes share httptest's certificate
	if err := c.RemoveURI(t.Context(), "000000004C12A5F3", "contoso.com"); err != nil {
		t.Fatal(err)
	}
	got := final.requests()
	if len(got) != 1 || got[0].Path != "/moved.asmx" || !bytes.Contains(got[0].Body, []byte("<a:To xmlns:a=\""+ns.WSA+"\">"+final.URL+"/moved.asmx</a:To>")) {
		t.Errorf("redirected request %+v", got)
	}
	loop := newFake(t, answer{status: 302})
	loop.answers[0].header = http.Header{"Location": {loop.URL + Path}}
	err := loop.client(t).RemoveURI(t.Context(), "x", "y")
	if n := len(loop.requests()); n != 4 || err == nil {
		t.Errorf("redirect loop: %d requests, err %v", n, err)
	}
}
