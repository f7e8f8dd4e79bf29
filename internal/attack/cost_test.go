package attack

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/internal/allocbudget"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/testorg"
)

// served is a request answered normally: what the namespace cases under
// the limits must get.
var served = map[string]refusal{"EWS": {status: http.StatusOK}, "Autodiscover": {status: http.StatusOK}}

// costCase is a request whose cost the handler must bound (issue 12):
// namespace declarations multiplied by elements, and what an
// unauthenticated caller can make the server parse.
type costCase struct {
	name    string
	request func(ep endpoint, tok string) []byte
	want    map[string]refusal
}

// declaring returns the endpoint's ordinary request with decls
// declarations added by edit to its markup.
func declaring(edit func(req []byte, decls string) []byte, decls int) func(endpoint, string) []byte {
	return func(ep endpoint, tok string) []byte {
		return edit(ep.envelope("", tok, ""), allocbudget.Declarations(decls))
	}
}

func onEnvelope(req []byte, decls string) []byte {
	return bytes.Replace(req, []byte("<s:Envelope "), []byte("<s:Envelope"+decls+" "), 1)
}

// withHeaders adds count header blocks, each carrying decls, before the
// others.
func withHeaders(count int, decls string) func(req []byte, envDecls string) []byte {
	return func(req []byte, envDecls string) []byte {
		blocks := strings.Repeat(`<x:H xmlns:x="urn:x"`+decls+`>x</x:H>`, count)
		return onEnvelope(bytes.Replace(req, []byte("<s:Header>"), []byte("<s:Header>"+blocks), 1), envDecls)
	}
}

// onBody puts the declarations on the body's element.
func onBody(req []byte, decls string) []byte {
	i := bytes.Index(req, []byte("<s:Body>")) + len("<s:Body>")
	j := i + bytes.IndexAny(req[i:], " >")
	return append(append(append([]byte(nil), req[:j]...), decls...), req[j:]...)
}

// nested wraps the header blocks' first one in levels elements declaring
// per prefixes each.
func nested(levels, per int) func(req []byte, _ string) []byte {
	return func(req []byte, _ string) []byte {
		var open strings.Builder
		for l := range levels {
			open.WriteString(`<x:N xmlns:x="urn:x"`)
			for i := range per {
				fmt.Fprintf(&open, ` xmlns:n%d_%d="urn:n"`, l, i)
			}
			open.WriteString(`>`)
		}
		inner := open.String() + strings.Repeat(`</x:N>`, levels)
		return bytes.Replace(req, []byte("<s:Header>"), []byte("<s:Header>"+inner), 1)
	}
}

// onEndpointsSerially is onEndpoints one endpoint after the other:
// allocated bytes are counted process-wide, so a measured request must
// not share the process with another test's.
func onEndpointsSerially(t *testing.T, name string, f func(t *testing.T, s *site, ep endpoint)) {
	t.Helper()
	for _, ep := range endpoints {
		t.Run(ep.name+"/"+name, func(t *testing.T) { f(t, newSite(t), ep) })
	}
}

var costCases = []costCase{
	{
		name:    "300 declarations on the envelope, 300 header blocks",
		request: declaring(withHeaders(300, ""), 300),
		want:    malformedEverywhere,
	},
	{
		name:    "60 declarations on the envelope, 3000 header blocks",
		request: declaring(withHeaders(3000, ""), 60),
		want:    served,
	},
	{
		name:    "100 declarations on every one of 100 header blocks",
		request: declaring(withHeaders(100, allocbudget.Declarations(100)), 0),
		want:    malformedEverywhere,
	},
	{
		name:    "60 declarations on every one of 60 header blocks",
		request: declaring(withHeaders(60, allocbudget.Declarations(60)), 0),
		want:    served, // 3600 in all, under the document's 4096
	},
	{
		name:    "50 declarations on every one of 100 header blocks",
		request: declaring(withHeaders(100, allocbudget.Declarations(50)), 0),
		want:    malformedEverywhere, // 5000 in all
	},
	{
		name:    "300 declarations on the body's element",
		request: declaring(onBody, 300),
		want:    malformedEverywhere,
	},
	{
		name:    "60 declarations on the body's element",
		request: declaring(onBody, 60),
		want:    served,
	},
	{
		name:    "nested declarations: 32 levels of 10",
		request: declaring(nested(32, 10), 0),
		want:    malformedEverywhere,
	},
	{
		name:    "nested declarations: 32 levels of 4",
		request: declaring(nested(32, 4), 0),
		want:    served,
	},
}

// TestCostAttacks sends each cost case with a genuine token: it must be
// refused or served as expected, within allocbudget.Multiple bytes
// allocated per request byte (the round trip's, client included, once
// the connection is open), and leak nothing.
func TestCostAttacks(t *testing.T) {
	for _, tc := range costCases {
		onEndpointsSerially(t, tc.name, func(t *testing.T, s *site, ep endpoint) {
			tok := mint(t, s, testorg.Claims(partnerUser, ep.offer), s.Keys.Contoso.Cert)
			req := tc.request(ep, tok)
			s.post(t, ep.path, ep.envelope("", tok, "")) // the connection, pools and caches warm
			var a answer
			allocbudget.Check(t, "request", len(req), allocbudget.Multiple, func() { a = s.post(t, ep.path, req) })
			got := refusalOf(t, a)
			if tc.want[ep.name].status == http.StatusOK {
				got = refusal{status: a.status}
			}
			if diff := cmp.Diff(tc.want[ep.name], got, cmp.AllowUnexported(refusal{})); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			assertNoLeak(t, s, a, tokenFragments(tok))
		})
	}
}

// TestAnonymousNamespaceAmplification is issue 12.1 as it was found: an
// anonymous GetFederationInformation (no token, no credentials) whose
// envelope multiplies declarations by header blocks. 171 KiB of it took
// 21 s and ~7 GB; now it is refused, or served, within the budget.
func TestAnonymousNamespaceAmplification(t *testing.T) {
	body := `<a:GetFederationInformationRequestMessage xmlns:a="` + ns.Autodiscover + `"><a:Request><a:Domain>` + testorg.Domain + `</a:Domain></a:Request></a:GetFederationInformationRequestMessage>`
	for _, tc := range []struct {
		decls, headers int
		want           refusal
	}{
		{300, 1000, adMalformed},
		{60, 3000, refusal{status: http.StatusOK}},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.decls, tc.headers), func(t *testing.T) {
			s := newSite(t)
			req := allocbudget.Envelope(ns.SOAP11, allocbudget.OnEnvelope, tc.decls, tc.headers, body)
			s.post(t, "/autodiscover/autodiscover.svc", []byte(`<x/>`))
			var a answer
			allocbudget.Check(t, "request", len(req), allocbudget.Multiple, func() { a = s.post(t, "/autodiscover/autodiscover.svc", req) })
			got := refusalOf(t, a)
			if tc.want.status == http.StatusOK {
				got = refusal{status: a.status}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(refusal{})); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestForgedTokenBeforeBody is issue 12.4: a forged token in front of a
// body near the size limit is refused with 401 having read the body and
// scanned the header only — a small multiple of the body's size, where
// decoding it first cost seconds of CPU.
func TestForgedTokenBeforeBody(t *testing.T) {
	forged := `<xenc:EncryptedData xmlns:xenc="` + ns.XMLEnc + `"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`
	onEndpointsSerially(t, "forged token, huge body", func(t *testing.T, s *site, ep endpoint) {
		body := bodyOf(ep)
		var pad strings.Builder
		for pad.Len() < maxBody*3/4 {
			pad.WriteString(`<P a="1" b="2"><Q>p</Q><R/></P>`)
		}
		i := strings.LastIndex(body, "</")
		req := ep.envelope("", forged, body[:i]+pad.String()+body[i:])
		s.post(t, ep.path, ep.envelope("", forged, ""))
		var a answer
		// Reading the body is the one cost proportional to it; the
		// multiple leaves room for the test client's copy and TLS.
		allocbudget.Check(t, "request", len(req), 4, func() { a = s.post(t, ep.path, req) })
		if diff := cmp.Diff(unauthorized()[ep.name], refusalOf(t, a), cmp.AllowUnexported(refusal{})); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
	})
}

// TestBodyOverServerLimit is issue 12.8: a body cut short by the server's
// http.MaxBytesReader (transport.NewServer's MaxBodyBytes, below the
// handlers' own limit) is answered 413, not a malformed-SOAP fault.
func TestBodyOverServerLimit(t *testing.T) {
	onEndpoints(t, "over MaxBytesReader", func(t *testing.T, s *site, ep endpoint) {
		limited := httptest.NewUnstartedServer(http.MaxBytesHandler(s.Handler, 16<<10))
		limited.StartTLS()
		t.Cleanup(limited.Close)
		s.srv = limited
		tok := mint(t, s, testorg.Claims(partnerUser, ep.offer), s.Keys.Contoso.Cert)
		req := ep.envelope("", tok, bodyOf(ep)+"<!--"+strings.Repeat("x", 32<<10)+"-->")
		want := map[string]refusal{
			"EWS":          {status: http.StatusRequestEntityTooLarge, body: "ews: request too large\n"},
			"Autodiscover": {status: http.StatusRequestEntityTooLarge, body: "request body too large\n"},
		}
		if diff := cmp.Diff(want[ep.name], refusalOf(t, s.post(t, ep.path, req)), cmp.AllowUnexported(refusal{})); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
	})
}
