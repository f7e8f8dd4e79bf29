package attack

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testorg"
)

// refusal is how a handler answers a request it will not serve.
type refusal struct {
	status int
	// body is the exact body of a non-SOAP answer (401, 413).
	body string
	// code is the fault's EWS ResponseCode (empty for Autodiscover, whose
	// faults carry none) and faultCode its SOAP code; set for SOAP faults.
	code, faultCode string
}

// Refusals per endpoint: EWS answers malformed SOAP with an
// ErrorSchemaValidation fault (HTTP 500, as Exchange does); Autodiscover
// with a Client fault (HTTP 400).
var (
	ewsMalformed = refusal{status: http.StatusInternalServerError, code: string(ews.ErrorSchemaValidation), faultCode: "Client"}
	adMalformed  = refusal{status: http.StatusBadRequest, faultCode: "Client"}
)

// bodyCase is a hostile request around a genuine token: what is attacked
// is the parser in front of the validator.
type bodyCase struct {
	name string
	// request builds the request from the endpoint and a genuine token.
	request func(ep endpoint, tok string) []byte
	// want is the refusal per endpoint name.
	want map[string]refusal
}

const (
	laughs = `<!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">` +
		`<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
		`<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">` +
		`<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>`
	externalEntity = `<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>`
)

// malformedEverywhere is the refusal of malformed SOAP on both endpoints.
var malformedEverywhere = map[string]refusal{"EWS": ewsMalformed, "Autodiscover": adMalformed}

var bodyCases = []bodyCase{
	{
		name:    "entity expansion (billion laughs) in the prolog",
		request: func(ep endpoint, tok string) []byte { return ep.envelope(laughs, tok, "") },
		want:    malformedEverywhere,
	},
	{
		name:    "entity expansion used in the body",
		request: mailboxAs(laughs, "&d;"),
		want:    malformedEverywhere,
	},
	{
		name:    "external entity",
		request: mailboxAs(externalEntity, "&x;"),
		want:    malformedEverywhere,
	},
	{
		name:    "undeclared entity reference",
		request: mailboxAs("", "&x;"),
		want:    malformedEverywhere,
	},
	{
		name: "deep nesting in the body",
		request: func(ep endpoint, tok string) []byte {
			return ep.envelope("", tok, strings.Repeat("<n>", 500)+strings.Repeat("</n>", 500))
		},
		want: malformedEverywhere,
	},
	{
		name: "deep nesting in the security header",
		request: func(ep endpoint, tok string) []byte {
			return ep.envelope("", tok+strings.Repeat("<n>", 500)+strings.Repeat("</n>", 500), "")
		},
		want: malformedEverywhere,
	},
	{
		name: "huge attribute",
		request: func(ep endpoint, tok string) []byte {
			body := bodyOf(ep)
			i := strings.IndexByte(body, '>')
			return ep.envelope("", tok, body[:i]+` pad="`+strings.Repeat("A", 100<<10)+`"`+body[i:])
		},
		want: malformedEverywhere,
	},
	{
		name:    "invalid UTF-8 in a mailbox address",
		request: mailboxAs("", "alice\xff\xfe@contoso.example"),
		want:    malformedEverywhere,
	},
	{
		name: "invalid UTF-8 next to the token",
		request: func(ep endpoint, tok string) []byte {
			return ep.envelope("", tok+"<x>\xc3\x28</x>", "")
		},
		want: malformedEverywhere,
	},
	{
		name: "truncated envelope",
		request: func(ep endpoint, tok string) []byte {
			r := ep.envelope("", tok, "")
			return r[:len(r)-40]
		},
		want: malformedEverywhere,
	},
	{
		name: "oversize body",
		request: func(ep endpoint, tok string) []byte {
			return ep.envelope("", tok, bodyOf(ep)+"<!--"+strings.Repeat("x", maxBody)+"-->")
		},
		want: map[string]refusal{
			"EWS":          {status: http.StatusRequestEntityTooLarge, body: "ews: request too large\n"},
			"Autodiscover": {status: http.StatusRequestEntityTooLarge, body: "request body too large\n"},
		},
	},
	{
		name:    "no security header",
		request: func(ep endpoint, _ string) []byte { return ep.envelope("", "", "") },
		want:    unauthorized(),
	},
	{
		name:    "empty security header",
		request: func(ep endpoint, _ string) []byte { return ep.envelope("", " ", "") },
		want:    unauthorized(),
	},
	{
		name: "forged token first, genuine token second",
		request: func(ep endpoint, tok string) []byte {
			forged := `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">forged</xenc:EncryptedData>`
			return ep.envelope("", forged+tok, "")
		},
		want: unauthorized(),
	},
}

// mailboxAs is the endpoint's ordinary request after prolog, with raw
// markup in place of the mailbox address.
func mailboxAs(prolog, raw string) func(endpoint, string) []byte {
	return func(ep endpoint, tok string) []byte {
		return ep.envelope(prolog, tok, strings.Replace(bodyOf(ep), testorg.Alice, raw, 1))
	}
}

// unauthorized is each endpoint's HTTP 401.
func unauthorized() map[string]refusal {
	out := map[string]refusal{}
	for _, ep := range endpoints {
		out[ep.name] = refusal{status: http.StatusUnauthorized, body: ep.unauthorized}
	}
	return out
}

// bodyOf is the endpoint's ordinary request body.
func bodyOf(ep endpoint) string {
	if ep.offer == fedavail.OfferFreeBusy {
		return availabilityBody(ews.ViewDetailed, testorg.Alice)
	}
	return userSettingsBody(testorg.Alice)
}

// TestBodyAttacks sends hostile requests carrying a genuine token. Each
// must be refused exactly as expected, without leaking the token or any
// calendar data into the answer or the logs.
func TestBodyAttacks(t *testing.T) {
	for _, tc := range bodyCases {
		onEndpoints(t, tc.name, func(t *testing.T, s *site, ep endpoint) {
			tok := mint(t, s, testorg.Claims(partnerUser, ep.offer), s.Keys.Contoso.Cert)
			a := s.post(t, ep.path, tc.request(ep, tok))
			if diff := cmp.Diff(tc.want[ep.name], refusalOf(t, a), cmp.AllowUnexported(refusal{})); diff != "" {
				t.Errorf("refusal (-want +got):\n%s", diff)
			}
			assertNoLeak(t, s, a, append(tokenFragments(tok), testorg.Secrets()...))
		})
	}
}

// refusalOf reads an answer as a refusal: a SOAP fault's codes, or the
// plain body of anything else.
func refusalOf(t *testing.T, a answer) refusal {
	t.Helper()
	r := refusal{status: a.status}
	_, err := soap.Decode(a.body, soap.DecodeOptions{})
	var f *fedavail.Fault
	if errors.As(err, &f) {
		r.code, r.faultCode = f.ResponseCode, f.Code
	} else {
		r.body = string(a.body)
	}
	return r
}
