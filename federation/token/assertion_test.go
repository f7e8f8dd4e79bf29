package token

import (
	"github.com/fedavail/fedavail/internal/golden"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
)

// TestBuildAssertionGolden pins the wire shape of an unsigned assertion.
func TestBuildAssertionGolden(t *testing.T) {
	at := time.Date(2026, 2, 6, 4, 47, 27, 32e6, time.UTC)
	c := testClaims()
	c.AssertionID = "uuid-00000000-0000-4000-8000-000000000000"
	c.Issuer = testBrokerURI
	c.Audience = AudienceURI(c.Audience)
	c.IssueInstant, c.NotBefore, c.NotOnOrAfter = at, at, at.Add(5*time.Minute)
	c.ProofKey = []byte("0123456789abcdef0123456789abcdef")
	got := writeElement(t, buildAssertion(&c))
	golden.Check(t, "assertion.golden.xml", got)

	back, err := parseAssertion(parseElement(t, got))
	if err != nil {
		t.Fatal(detail(err))
	}
	if diff := cmp.Diff(&c, back); diff != "" {
		t.Errorf("parse(build(c)) (-want +got):\n%s", diff)
	}
}

func TestAudienceURI(t *testing.T) {
	for in, want := range map[string]string{
		"FYDIBOHF25SPDLT.contoso.com": "http://FYDIBOHF25SPDLT.contoso.com",
		"outlook.com":                 "http://outlook.com",
		"http://outlook.com":          "http://outlook.com",
		"urn:federation:example":      "urn:federation:example",
		"host:443":                    "host:443", // scheme-shaped, as .NET would read it
		":nope":                       "http://:nope",
	} {
		if got := AudienceURI(in); got != want {
			t.Errorf("AudienceURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClaimsRequester(t *testing.T) {
	c := &Claims{EmailAddress: "bob@Contoso.Example", NameID: "n"}
	want := &fedavail.Requester{Address: "bob@Contoso.Example", Domain: "contoso.example", Federated: true, NameID: "n"}
	if diff := cmp.Diff(want, c.Requester()); diff != "" {
		t.Errorf("Requester without RequestorDomain (-want +got):\n%s", diff)
	}
}
