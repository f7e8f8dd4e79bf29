package attack

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/internal/testorg"
)

// partnerUser is the requester of the genuine tokens the cases start from:
// a user of the LimitedDetails partner, who would see alice's subjects.
const partnerUser = "erin@" + testorg.DetailsPartner

func sigOf(a *etree.Element) *etree.Element { return a.SelectElement("Signature") }

func emailValue(a *etree.Element) *etree.Element {
	for _, at := range a.FindElements("./AttributeStatement/Attribute") {
		if at.SelectAttrValue("AttributeName", "") == "EmailAddress" {
			return at.SelectElement("AttributeValue")
		}
	}
	return nil
}

// tokenCase is one hostile token. token builds it for the endpoint's offer.
type tokenCase struct {
	name  string
	token func(t *testing.T, s *site, offer fedavail.Offer) string
	// replay, when set, first presents the token successfully, then moves
	// the clock on by replay(offer) and presents it again.
	replay func(offer fedavail.Offer) time.Duration
	want   token.Reason
	// screenedBy names an endpoint that refuses the token before its
	// validator sees it, so no reason is recorded there.
	screenedBy string
	// ewsFault, when set, is the EWS endpoint's answer instead of HTTP 401:
	// a SOAP fault with this response code, as Exchange refuses the
	// operation of a token it authenticated.
	ewsFault ews.ResponseCode
}

// claims are the genuine claims for the endpoint's offer, edited.
func claims(offer fedavail.Offer, edit func(*token.Claims)) token.Claims {
	c := testorg.Claims(partnerUser, offer)
	if edit != nil {
		edit(&c)
	}
	return c
}

// tampered signs genuine claims, lets edit change the signed assertion and
// seals the result to contoso.
func tampered(edit func(t *testing.T, s *site, offer fedavail.Offer, a *etree.Element) *etree.Element) func(*testing.T, *site, fedavail.Offer) string {
	return func(t *testing.T, s *site, offer fedavail.Offer) string {
		a := edit(t, s, offer, signed(t, s, claims(offer, nil)))
		return seal(t, serialize(t, a), s.Keys.Contoso.Cert)
	}
}

// minted is a genuine token with edited claims, encrypted to contoso.
func minted(edit func(*token.Claims)) func(*testing.T, *site, fedavail.Offer) string {
	return func(t *testing.T, s *site, offer fedavail.Offer) string {
		return mint(t, s, claims(offer, edit), s.Keys.Contoso.Cert)
	}
}

// forgedEmail is the address a wrapping attack tries to smuggle in.
const forgedEmail = "mallory@" + testorg.DetailsPartner

// forgery is an assertion for forgedEmail without its signature: what an
// attacker can write but not sign, for a wrapping attack to put beside,
// around or inside a genuine one.
func forgery(t *testing.T, s *site, offer fedavail.Offer) *etree.Element {
	t.Helper()
	a := signed(t, s, claims(offer, func(c *token.Claims) { c.EmailAddress = forgedEmail }))
	a.RemoveChild(sigOf(a))
	return a
}

var tokenCases = []tokenCase{
	{
		name: "wrapping: forged assertion around the signed one",
		token: tampered(func(t *testing.T, s *site, offer fedavail.Offer, genuine *etree.Element) *etree.Element {
			forged := forgery(t, s, offer)
			forged.CreateAttr("AssertionID", "uuid-forged")
			forged.AddChild(genuine)
			return forged
		}),
		want: token.InvalidTokenFormat,
	},
	{
		name: "wrapping: forged assertion inside the signed one",
		token: tampered(func(t *testing.T, s *site, offer fedavail.Offer, a *etree.Element) *etree.Element {
			evil := forgery(t, s, offer)
			evil.CreateAttr("AssertionID", "uuid-evil")
			a.SelectElement("AttributeStatement").AddChild(evil)
			return a
		}),
		want: token.InvalidTokenFormat,
	},
	{
		name: "wrapping: signature moved into a statement",
		token: tampered(func(_ *testing.T, _ *site, _ fedavail.Offer, a *etree.Element) *etree.Element {
			sig := sigOf(a)
			a.RemoveChild(sig)
			a.SelectElement("AttributeStatement").AddChild(sig)
			return a
		}),
		want: token.InvalidTokenFormat,
	},
	{
		name: "wrapping: element with the assertion's ID in Advice",
		token: tampered(func(_ *testing.T, _ *site, _ fedavail.Offer, a *etree.Element) *etree.Element {
			adv := a.CreateElement("saml:Advice")
			adv.CreateAttr("ID", a.SelectAttrValue("AssertionID", ""))
			return a
		}),
		want: token.InvalidTokenFormat,
	},
	{
		name: "wrapping: genuine signature on a forged assertion with the same ID",
		token: tampered(func(t *testing.T, s *site, offer fedavail.Offer, genuine *etree.Element) *etree.Element {
			forged := forgery(t, s, offer)
			forged.CreateAttr("AssertionID", genuine.SelectAttrValue("AssertionID", ""))
			forged.AddChild(sigOf(genuine))
			return forged
		}),
		want: token.InvalidTokenFailedValidation,
	},
	{
		name: "wrapping: two signatures",
		token: tampered(func(_ *testing.T, _ *site, _ fedavail.Offer, a *etree.Element) *etree.Element {
			a.AddChild(sigOf(a).Copy())
			return a
		}),
		want: token.InvalidTokenFormat,
	},
	{
		name: "wrapping: signed assertion followed by a forged sibling",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			genuine := serialize(t, signed(t, s, claims(offer, nil)))
			forged := forgery(t, s, offer)
			return seal(t, append(genuine, serialize(t, forged)...), s.Keys.Contoso.Cert)
		},
		// Two root elements are not XML: the validator classes plaintext
		// that does not parse as a decryption failure.
		want: token.InvalidUnknownEncryption,
	},
	{
		name: "wrapping: forged assertion followed by the signed one",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			genuine := serialize(t, signed(t, s, claims(offer, nil)))
			forged := forgery(t, s, offer)
			return seal(t, append(serialize(t, forged), genuine...), s.Keys.Contoso.Cert)
		},
		want: token.InvalidUnknownEncryption,
	},
	{
		name: "comment splitting the e-mail claim",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			a := signed(t, s, claims(offer, func(c *token.Claims) { c.EmailAddress = partnerUser + ".evil.example" }))
			v := emailValue(a)
			v.SetText(partnerUser)
			v.CreateComment("")
			v.CreateText(".evil.example")
			return seal(t, serialize(t, a), s.Keys.Contoso.Cert)
		},
		want: token.InvalidTokenFormat,
	},
	{
		name: "e-mail claim edited after signing",
		token: tampered(func(_ *testing.T, _ *site, _ fedavail.Offer, a *etree.Element) *etree.Element {
			emailValue(a).SetText(forgedEmail)
			return a
		}),
		want: token.InvalidTokenFailedValidation,
	},
	{
		name: "unsigned assertion",
		token: tampered(func(_ *testing.T, _ *site, _ fedavail.Offer, a *etree.Element) *etree.Element {
			a.RemoveChild(sigOf(a))
			return a
		}),
		want: token.InvalidTokenFailedValidation,
	},
	{
		name: "signed by an untrusted key, certificate embedded",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			evil := attackerBroker(t, s)
			b, err := evil.Sign(claims(offer, nil))
			if err != nil {
				t.Fatal(err)
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(b); err != nil {
				t.Fatal(err)
			}
			ki := sigOf(doc.Root()).SelectElement("KeyInfo")
			ki.RemoveChild(ki.ChildElements()[0])
			ki.CreateElement("X509Data").CreateElement("X509Certificate").SetText(base64.StdEncoding.EncodeToString(s.Keys.Attacker.Cert.Raw))
			return seal(t, serialize(t, doc.Root()), s.Keys.Contoso.Cert)
		},
		want: token.InvalidTrustBroker,
	},
	{
		name: "signed by an untrusted key naming the trusted broker's SKI",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			b, err := attackerBroker(t, s).Sign(claims(offer, nil))
			if err != nil {
				t.Fatal(err)
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(b); err != nil {
				t.Fatal(err)
			}
			sigOf(doc.Root()).FindElement(".//KeyIdentifier").SetText(base64.StdEncoding.EncodeToString(s.Keys.Broker.SKI()))
			return seal(t, serialize(t, doc.Root()), s.Keys.Contoso.Cert)
		},
		want: token.InvalidTokenFailedValidation,
	},
	{
		name: "entity expansion inside the token",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			dtd := `<!DOCTYPE a [<!ENTITY x "xxxxxxxxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;&x;&x;&x;&x;&x;&x;"><!ENTITY z "&y;&y;&y;&y;&y;&y;&y;&y;&y;&y;">]>`
			return seal(t, append([]byte(dtd), serialize(t, signed(t, s, claims(offer, nil)))...), s.Keys.Contoso.Cert)
		},
		want: token.InvalidTokenFormat,
	},
	{
		name: "external entity inside the token",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			a := serialize(t, signed(t, s, claims(offer, nil)))
			dtd := `<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>`
			return seal(t, append([]byte(dtd), a...), s.Keys.Contoso.Cert)
		},
		want: token.InvalidTokenFormat,
	},
	{
		name: "deep nesting inside the token",
		token: tampered(func(_ *testing.T, _ *site, _ fedavail.Offer, a *etree.Element) *etree.Element {
			el := a.CreateElement("saml:Advice")
			for range 200 {
				el = el.CreateElement("n")
			}
			return a
		}),
		want: token.InvalidTokenFormat,
	},
	{
		name: "huge attribute inside the token",
		token: tampered(func(_ *testing.T, _ *site, _ fedavail.Offer, a *etree.Element) *etree.Element {
			a.CreateAttr("Padding", strings.Repeat("A", 200<<10))
			return a
		}),
		want: token.InvalidTokenFormat,
	},
	{
		name: "invalid UTF-8 inside the token",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			a := serialize(t, signed(t, s, claims(offer, nil)))
			a = bytes.Replace(a, []byte(partnerUser), []byte("erin\xff\xfe@"+testorg.DetailsPartner), 1)
			return seal(t, a, s.Keys.Contoso.Cert)
		},
		// Plaintext that does not parse is a decryption failure to the
		// validator (CBC has no integrity of its own).
		want: token.InvalidUnknownEncryption,
	},
	{
		name: "oversize token",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			tok := mint(t, s, claims(offer, nil), s.Keys.Contoso.Cert)
			return strings.Replace(tok, "<xenc:CipherData>", "<xenc:CipherData>"+strings.Repeat(" ", token.DefaultMaxTokenBytes), 1)
		},
		want: token.InvalidTokenFormat,
	},
	{
		name: "assertion sent in clear, not encrypted",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			return string(serialize(t, signed(t, s, claims(offer, nil))))
		},
		want:       token.InvalidTokenFormat,
		screenedBy: "EWS",
	},
	{
		name:  "expired",
		token: minted(func(c *token.Claims) { c.NotOnOrAfter = testorg.Day.Add(-48 * time.Hour) }),
		want:  token.InvalidExpired,
	},
	{
		name:  "not yet valid",
		token: minted(func(c *token.Claims) { c.NotBefore = testorg.Day }),
		want:  token.InvalidExpired,
	},
	{
		name:  "replayed after it expired",
		token: minted(nil),
		replay: func(o fedavail.Offer) time.Duration {
			return o.MaxAge() + token.DefaultClockSkew + time.Minute
		},
		want: token.InvalidExpired,
	},
	{
		name: "replayed beyond the offer's maximum age, lifetime still running",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			now := s.Clock.Now()
			return mint(t, s, claims(offer, func(c *token.Claims) { c.NotOnOrAfter = now.Add(3*offer.MaxAge() + time.Hour) }), s.Keys.Contoso.Cert)
		},
		replay: func(o fedavail.Offer) time.Duration {
			return o.MaxAge() + token.DefaultClockSkew + time.Minute
		},
		want: token.InvalidExpired,
	},
	{
		name: "token for another organization, encrypted to it",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			return mint(t, s, claims(offer, func(c *token.Claims) { c.Audience = testorg.OtherApplicationURI }), s.Keys.Northwind.Cert)
		},
		want: token.InvalidUnknownEncryption,
	},
	{
		name:  "token encrypted to contoso but issued for another organization's audience",
		token: minted(func(c *token.Claims) { c.Audience = testorg.OtherApplicationURI }),
		want:  token.InvalidTarget,
	},
	{
		name: "token for the other endpoint's offer",
		token: func(t *testing.T, s *site, offer fedavail.Offer) string {
			other := fedavail.OfferAutodiscover
			if offer == fedavail.OfferAutodiscover {
				other = fedavail.OfferFreeBusy
			}
			return mint(t, s, claims(other, nil), s.Keys.Contoso.Cert)
		},
		want: token.InvalidOffer,
		// ServiceCommandBase.PreExecute: access denied, not 401.
		ewsFault: ews.ErrorAccessDenied,
	},
	{
		name:  "issuer other than the trusted broker",
		token: minted(func(c *token.Claims) { c.Issuer = "urn:federation:MicrosoftOnline" }),
		want:  token.InvalidTrustBroker,
	},
	{
		name:  "no e-mail address",
		token: minted(func(c *token.Claims) { c.EmailAddress = "not-an-address" }),
		want:  token.InvalidUnknownEmailAddress,
	},
}

// attackerBroker signs like the broker, with a key nobody trusts.
func attackerBroker(t *testing.T, s *site) *testorg.Broker {
	t.Helper()
	b, err := testorg.NewBroker(s.Keys.Attacker, s.Clock)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTokenAttacks presents each hostile token to each federated endpoint.
// The answer must be HTTP 401 with the handler's fixed body, the validator
// must have refused for exactly the expected reason, and neither the answer
// nor the logs may carry the token or anything from the calendars.
func TestTokenAttacks(t *testing.T) {
	for _, tc := range tokenCases {
		onEndpoints(t, tc.name, func(t *testing.T, s *site, ep endpoint) {
			tok := tc.token(t, s, ep.offer)
			req := ep.envelope("", tok, "")
			if tc.replay != nil {
				if a := s.post(t, ep.path, req); a.status != http.StatusOK {
					t.Fatalf("first use: HTTP %d, want 200\n%s", a.status, a.body)
				}
				s.Clock.Advance(tc.replay(ep.offer))
			}
			a := s.post(t, ep.path, req)
			if code := tc.ewsFault; code != "" && ep.name == "EWS" {
				if a.status != http.StatusInternalServerError || !strings.Contains(string(a.body), "<e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">"+string(code)+"<") {
					t.Errorf("answer: HTTP %d %q, want a SOAP fault %s", a.status, a.body, code)
				}
			} else if a.status != http.StatusUnauthorized || string(a.body) != ep.unauthorized {
				t.Errorf("answer: HTTP %d %q, want HTTP 401 %q", a.status, a.body, ep.unauthorized)
			}
			want := []token.Reason{tc.want}
			if tc.screenedBy == ep.name {
				want = nil
			}
			if diff := cmp.Diff(want, s.Validator.Reasons()); diff != "" {
				t.Errorf("refusal reasons (-want +got):\n%s", diff)
			}
			assertNoLeak(t, s, a, append(tokenFragments(tok), testorg.Secrets()...))
		})
	}
}

// TestGenuineTokenAccepted is the control: the tokens the cases start
// from are accepted, including one sealed by this package's own encrypter,
// so every refusal above is the attack's doing.
func TestGenuineTokenAccepted(t *testing.T) {
	for name, build := range map[string]func(*testing.T, *site, fedavail.Offer) string{
		"minted": minted(nil),
		"sealed here": tampered(func(_ *testing.T, _ *site, _ fedavail.Offer, a *etree.Element) *etree.Element {
			return a
		}),
	} {
		onEndpoints(t, name, func(t *testing.T, s *site, ep endpoint) {
			tok := build(t, s, ep.offer)
			a := s.post(t, ep.path, ep.envelope("", tok, ""))
			if a.status != http.StatusOK {
				t.Fatalf("HTTP %d, want 200\n%s", a.status, a.body)
			}
			if got := s.Validator.Reasons(); len(got) != 0 {
				t.Errorf("refusals %v, want none", got)
			}
			assertNoLeak(t, s, a, tokenFragments(tok))
		})
	}
}
