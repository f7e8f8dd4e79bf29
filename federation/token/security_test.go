package token

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
)

// signedAssertion returns a genuine assertion signed by the trusted broker,
// parsed, for a test to tamper with.
func signedAssertion(t *testing.T, k *testKeys, edit func(*Claims)) *etree.Element {
	t.Helper()
	c := testClaims()
	if edit != nil {
		edit(&c)
	}
	b, err := testIssuer(t, k).Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return parseElement(t, b)
}

// attackerSigned returns an assertion signed by a key the validator does
// not trust.
func attackerSigned(t *testing.T, k *testKeys) *etree.Element {
	t.Helper()
	iss := testIssuer(t, k)
	iss.Keys = brokerRing(t, k.attacker)
	b, err := iss.Sign(testClaims())
	if err != nil {
		t.Fatal(err)
	}
	return parseElement(t, b)
}

func sigOf(a *etree.Element) *etree.Element { return a.SelectElement("Signature") }

func attrValue(a *etree.Element, name string) *etree.Element {
	for _, at := range a.FindElements("./AttributeStatement/Attribute") {
		if at.SelectAttrValue("AttributeName", "") == name {
			return at.SelectElement("AttributeValue")
		}
	}
	return nil
}

// TestSecurity feeds the validator forged, tampered and misdirected tokens.
// Each must be refused with exactly the reason Exchange would log.
func TestSecurity(t *testing.T) {
	k := mustKeys(t)
	seal := func(t *testing.T, a *etree.Element) []byte {
		return sealTo(t, writeElement(t, a), k.org.Cert, RSAOAEP, AES256CBC)
	}
	issue := func(t *testing.T, edit func(*Claims)) []byte {
		return seal(t, signedAssertion(t, k, edit))
	}
	for _, tc := range []struct {
		name string
		// claims edits the claims of a genuine token; token, when set,
		// builds the whole token instead.
		claims func(*Claims)
		token  func(t *testing.T) []byte
		now    time.Time // zero: testNow + 1 minute
		offer  fedavail.Offer
		want   Reason
	}{
		{
			name: "unsigned",
			token: func(t *testing.T) []byte {
				a := signedAssertion(t, k, nil)
				a.RemoveChild(sigOf(a))
				return seal(t, a)
			},
			want: InvalidTokenFailedValidation,
		},
		{
			name: "untrusted key, certificate embedded",
			token: func(t *testing.T) []byte {
				a := attackerSigned(t, k)
				ki := sigOf(a).SelectElement("KeyInfo")
				ki.RemoveChild(ki.ChildElements()[0])
				ki.CreateElement("X509Data").CreateElement("X509Certificate").SetText(base64.StdEncoding.EncodeToString(k.attacker.Cert.Raw))
				return seal(t, a)
			},
			want: InvalidTrustBroker,
		},
		{
			name: "untrusted key claiming the trusted broker's SKI",
			token: func(t *testing.T) []byte {
				a := attackerSigned(t, k)
				kid := sigOf(a).FindElement(".//KeyIdentifier")
				kid.SetText(base64.StdEncoding.EncodeToString(k.broker.SKI()))
				return seal(t, a)
			},
			want: InvalidTokenFailedValidation,
		},
		{
			name: "wrapping: forged assertion around the signed one",
			token: func(t *testing.T) []byte {
				genuine := signedAssertion(t, k, nil)
				forged := signedAssertion(t, k, func(c *Claims) { c.EmailAddress = "mallory@contoso.example" })
				forged.RemoveChild(sigOf(forged))
				forged.CreateAttr("AssertionID", "uuid-forged")
				forged.AddChild(genuine)
				return seal(t, forged)
			},
			want: InvalidTokenFormat,
		},
		{
			name: "wrapping: second assertion inside the signed one",
			token: func(t *testing.T) []byte {
				a := signedAssertion(t, k, nil)
				evil := signedAssertion(t, k, func(c *Claims) { c.EmailAddress = "mallory@contoso.example" })
				evil.RemoveChild(sigOf(evil))
				evil.CreateAttr("AssertionID", "uuid-evil")
				a.SelectElement("AttributeStatement").AddChild(evil)
				return seal(t, a)
			},
			want: InvalidTokenFormat,
		},
		{
			name: "wrapping: signature moved into a statement",
			token: func(t *testing.T) []byte {
				a := signedAssertion(t, k, nil)
				sig := sigOf(a)
				a.RemoveChild(sig)
				a.SelectElement("AttributeStatement").AddChild(sig)
				return seal(t, a)
			},
			want: InvalidTokenFormat,
		},
		{
			name: "wrapping: duplicate ID",
			token: func(t *testing.T) []byte {
				a := signedAssertion(t, k, nil)
				adv := a.CreateElement("saml:Advice")
				adv.CreateAttr("ID", a.SelectAttrValue("AssertionID", ""))
				return seal(t, a)
			},
			want: InvalidTokenFormat,
		},
		{
			name: "wrapping: genuine signature on a forged assertion with the same ID",
			token: func(t *testing.T) []byte {
				genuine := signedAssertion(t, k, nil)
				forged := signedAssertion(t, k, func(c *Claims) { c.EmailAddress = "mallory@contoso.example" })
				forged.RemoveChild(sigOf(forged))
				forged.CreateAttr("AssertionID", genuine.SelectAttrValue("AssertionID", ""))
				forged.AddChild(sigOf(genuine))
				return seal(t, forged)
			},
			want: InvalidTokenFailedValidation,
		},
		{
			name: "wrapping: two signatures",
			token: func(t *testing.T) []byte {
				a := signedAssertion(t, k, nil)
				a.AddChild(sigOf(a).Copy())
				return seal(t, a)
			},
			want: InvalidTokenFormat,
		},
		{
			name: "comment inside the e-mail claim",
			token: func(t *testing.T) []byte {
				a := signedAssertion(t, k, func(c *Claims) { c.EmailAddress = "alice@contoso.example.evil.example" })
				v := attrValue(a, "EmailAddress")
				v.SetText("alice@contoso.example")
				v.CreateComment("")
				v.CreateText(".evil.example")
				return seal(t, a)
			},
			want: InvalidTokenFormat,
		},
		{
			name:   "wrong audience",
			claims: func(c *Claims) { c.Audience = "FYDIBOHF25SPDLT.contoso.example" },
			want:   InvalidTarget,
		},
		{
			name:   "wrong issuer",
			claims: func(c *Claims) { c.Issuer = "urn:federation:MicrosoftOnline" },
			want:   InvalidTrustBroker,
		},
		{
			name:   "expired",
			claims: func(c *Claims) { c.Offer = fedavail.OfferAutodiscover; c.NotOnOrAfter = testNow.Add(time.Hour) },
			now:    testNow.Add(time.Hour + 6*time.Minute),
			offer:  fedavail.OfferAutodiscover,
			want:   InvalidExpired,
		},
		{
			name:   "not yet valid",
			claims: func(c *Claims) { c.NotBefore = testNow.Add(time.Hour) },
			want:   InvalidExpired,
		},
		{
			name:   "offer mismatch",
			claims: func(c *Claims) { c.Offer = fedavail.OfferAutodiscover },
			want:   InvalidOffer,
		},
		{
			name:   "unknown offer",
			claims: func(c *Claims) { c.Offer = "MSExchange.Everything" },
			offer:  "MSExchange.Everything",
			want:   InvalidOffer,
		},
		{
			name:   "older than the offer's maximum age",
			claims: func(c *Claims) { c.NotOnOrAfter = testNow.Add(15 * 24 * time.Hour) },
			now:    testNow.Add(5*time.Minute + time.Second), // no skew on the maximum age
			want:   InvalidExpired,
		},
		{
			name:   "e-mail address not SMTP",
			claims: func(c *Claims) { c.EmailAddress = "Alice <alice@contoso.example>" },
			want:   InvalidUnknownEmailAddress,
		},
		{
			name: "no e-mail claim",
			token: func(t *testing.T) []byte {
				a := signedAssertion(t, k, nil)
				as := a.SelectElement("AttributeStatement")
				as.RemoveChild(attrValue(a, "EmailAddress").Parent())
				return seal(t, a) // the signature breaks first
			},
			want: InvalidTokenFailedValidation,
		},
		{
			name: "tampered content ciphertext",
			token: func(t *testing.T) []byte {
				return tamperCipher(t, issue(t, nil), "./CipherData/CipherValue", 40)
			},
			want: InvalidUnknownEncryption,
		},
		{
			name: "tampered last block (padding)",
			token: func(t *testing.T) []byte {
				return tamperCipher(t, issue(t, nil), "./CipherData/CipherValue", -1)
			},
			want: InvalidUnknownEncryption,
		},
		{
			name: "tampered encrypted key",
			token: func(t *testing.T) []byte {
				return tamperCipher(t, issue(t, nil), "./KeyInfo/EncryptedKey/CipherData/CipherValue", 10)
			},
			want: InvalidUnknownEncryption,
		},
		{
			name: "encrypted to another organization",
			token: func(t *testing.T) []byte {
				return sealTo(t, writeElement(t, signedAssertion(t, k, nil)), k.otherOrg.Cert, RSAOAEP, AES256CBC)
			},
			want: InvalidUnknownEncryption,
		},
		{
			name:  "truncated",
			token: func(t *testing.T) []byte { b := issue(t, nil); return b[:len(b)/2] },
			want:  InvalidTokenFormat,
		},
		{
			name: "oversize",
			token: func(t *testing.T) []byte {
				return append(issue(t, nil), bytes.Repeat([]byte(" "), DefaultMaxTokenBytes)...)
			},
			want: InvalidTokenFormat,
		},
		{
			name:  "not XML encryption",
			token: func(t *testing.T) []byte { return writeElement(t, signedAssertion(t, k, nil)) },
			want:  InvalidTokenFormat,
		},
		{
			name:  "DTD",
			token: func(t *testing.T) []byte { return append([]byte(`<!DOCTYPE x [<!ENTITY a "b">]>`), issue(t, nil)...) },
			want:  InvalidTokenFormat,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = testNow.Add(time.Minute)
			}
			offer := tc.offer
			if offer == "" {
				offer = fedavail.OfferFreeBusy
			}
			var token []byte
			if tc.token != nil {
				token = tc.token(t)
			} else {
				token = issue(t, tc.claims)
			}
			v := testValidator(t, k, now, ValidatorConfig{})
			_, err := v.ValidateToken(t.Context(), token, offer)
			wantReason(t, err, tc.want)
		})
	}
}

// tamperCipher flips one bit of the decoded CipherValue at path, at byte
// index at (negative: from the end), and re-encodes it.
func tamperCipher(t *testing.T, token []byte, path string, at int) []byte {
	t.Helper()
	ed := parseElement(t, token)
	cv := ed.FindElement(path)
	b, err := base64.StdEncoding.DecodeString(cv.Text())
	if err != nil {
		t.Fatal(err)
	}
	if at < 0 {
		at += len(b)
	}
	b[at] ^= 0x40
	cv.SetText(base64.StdEncoding.EncodeToString(b))
	return writeElement(t, ed)
}

func TestOversizeKeepsLimitError(t *testing.T) {
	k := mustKeys(t)
	v := testValidator(t, k, testNow, ValidatorConfig{MaxTokenBytes: 1024})
	_, err := v.ValidateToken(t.Context(), bytes.Repeat([]byte("<a>"), 1000), fedavail.OfferFreeBusy)
	var le *fedavail.LimitError
	if !errors.As(err, &le) || le.Limit != 1024 {
		t.Fatalf("error %v, want a *fedavail.LimitError of 1024 inside", err)
	}
}

// TestCommentDoesNotTruncate checks the claim reader on its own: even where
// the shape check would not run, a comment never cuts a value short.
func TestCommentDoesNotTruncate(t *testing.T) {
	a := parseElement(t, []byte(`<v xmlns="`+ns.SAML11+`">alice@contoso.example<!---->.evil.example</v>`))
	got, err := text(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := "alice@contoso.example.evil.example"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if strings.Contains(a.Text(), "evil") {
		t.Log("etree's Text would have returned the full value too")
	}
}
