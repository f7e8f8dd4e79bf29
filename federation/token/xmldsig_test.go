package token

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/testshared"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// referenceVerify is the signature half of validation as it was before
// verifyEnveloped: goxmldsig's ValidationContext on the assertion, KeyInfo
// removed, claims read from the element it returns. The tests below hold
// verifyEnveloped to it: never accept what goxmldsig refuses, and read the
// same claims whenever both accept.
func referenceVerify(plain []byte, trusted []*x509.Certificate, now time.Time) (*Claims, error) {
	doc, err := xmlguard.ParseEtree(plain, xmlguard.Limits{}, "assertion")
	if err != nil {
		return nil, err
	}
	sig, err := checkShape(doc.Root())
	if err != nil {
		return nil, err
	}
	ki := child(sig, ns.DSig, "KeyInfo")
	if ki == nil {
		return nil, errors.New("no KeyInfo")
	}
	cert := signerCert(ki, trusted)
	if cert == nil {
		return nil, errors.New("untrusted signer")
	}
	sig.RemoveChild(ki)
	vc := &dsig.ValidationContext{
		CertificateStore: &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}},
		IdAttribute:      samlIDAttr,
		Clock:            dsig.NewFakeClockAt(now),
	}
	verified, err := vc.Validate(doc.Root())
	if err != nil {
		return nil, err
	}
	return parseAssertion(verified)
}

// agree runs both verifiers on plain and reports whether verifyEnveloped
// accepted it; a disagreement in goxmldsig's favour is a test failure.
func agree(t testing.TB, name string, plain []byte, trusted []*x509.Certificate, now time.Time) bool {
	t.Helper()
	got, err := verifyPlain(plain, trusted, now)
	if err != nil {
		return false
	}
	want, refErr := referenceVerify(plain, trusted, now)
	if refErr != nil {
		t.Errorf("%s: verifyEnveloped accepts what goxmldsig refuses (%v)", name, refErr)
		return true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: claims differ from goxmldsig's (-goxmldsig +ours):\n%s", name, diff)
	}
	return true
}

// signedBy returns a genuine assertion signed with hash by the trusted broker.
func signedBy(t testing.TB, k *testKeys, hash crypto.Hash) []byte {
	t.Helper()
	iss := testIssuer(t, k)
	iss.SignatureHash = hash
	b, err := iss.Sign(testClaims())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyEnvelopedAcceptsGenuine(t *testing.T) {
	xml, cert := mfgSample(t)
	if !agree(t, "MFG sample", xml, []*x509.Certificate{cert}, mfgNow) {
		t.Error("the MFG sample is refused")
	}
	k := mustKeys(t)
	trusted := []*x509.Certificate{k.broker.Cert, k.brokerPrev.Cert}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
		if !agree(t, h.String(), signedBy(t, k, h), trusted, testNow) {
			t.Errorf("an assertion signed with %v is refused", h)
		}
	}
}

// TestVerifyEnvelopedMutations flips a bit in every byte of the real MFG
// assertion, and two bits in every eleventh byte of a SHA-256 one: each
// variant must be refused, and goxmldsig must refuse it too (agree reports
// it otherwise).
func TestVerifyEnvelopedMutations(t *testing.T) {
	xml, cert := mfgSample(t)
	k := mustKeys(t)
	for _, in := range []struct {
		name    string
		plain   []byte
		trusted []*x509.Certificate
		now     time.Time
		stride  int
		bits    []byte
	}{
		{"MFG", xml, []*x509.Certificate{cert}, mfgNow, 1, []byte{0x01}},
		{"SHA-256", signedBy(t, k, crypto.SHA256), []*x509.Certificate{k.broker.Cert}, testNow, 11, []byte{0x01, 0x20}},
	} {
		for i := 0; i < len(in.plain); i += in.stride {
			for _, bit := range in.bits {
				mut := append([]byte(nil), in.plain...)
				mut[i] ^= bit
				name := fmt.Sprintf("%s byte %d ^%#x", in.name, i, bit)
				if agree(t, name, mut, in.trusted, in.now) {
					t.Errorf("%s: %q→%q still accepted", name, in.plain[i], mut[i])
				}
			}
		}
	}
}

// TestVerifyEnvelopedStricter covers the forms goxmldsig would process but
// verifyEnveloped refuses before any cryptography: each edit is applied to
// a genuine signature, and the refusal must name the rule it broke.
func TestVerifyEnvelopedStricter(t *testing.T) {
	k := mustKeys(t)
	genuine := signedBy(t, k, crypto.SHA256)
	sel := func(a *etree.Element, path string) *etree.Element {
		el := a.FindElement(path)
		if el == nil {
			t.Fatalf("no %s", path)
		}
		return el
	}
	const ref = "./Signature/SignedInfo/Reference"
	for _, tc := range []struct {
		name string
		edit func(a *etree.Element)
		want string
	}{
		{"Object in the Signature", func(a *etree.Element) { sigOf(a).CreateElement("Object") }, "exactly SignedInfo and SignatureValue"},
		{"SignatureValue before SignedInfo", func(a *etree.Element) {
			sig := sigOf(a)
			si := sig.SelectElement("SignedInfo")
			sig.RemoveChild(si)
			sig.AddChild(si)
		}, "exactly SignedInfo and SignatureValue"},
		{"c14n with comments", func(a *etree.Element) {
			sel(a, "./Signature/SignedInfo/CanonicalizationMethod").CreateAttr("Algorithm", string(dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId))
		}, "CanonicalizationMethod"},
		{"inclusive prefix list on SignedInfo", func(a *etree.Element) {
			sel(a, "./Signature/SignedInfo/CanonicalizationMethod").CreateElement("InclusiveNamespaces").CreateAttr("PrefixList", "saml")
		}, "CanonicalizationMethod"},
		{"HMAC signature method", func(a *etree.Element) {
			sel(a, "./Signature/SignedInfo/SignatureMethod").CreateAttr("Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")
		}, "unsupported SignatureMethod"},
		{"transforms reversed", func(a *etree.Element) {
			ts := sel(a, ref+"/Transforms")
			first := ts.ChildElements()[0]
			ts.RemoveChild(first)
			ts.AddChild(first)
		}, "first transform"},
		{"third transform", func(a *etree.Element) {
			sel(a, ref+"/Transforms").CreateElement("Transform").CreateAttr("Algorithm", string(dsig.CanonicalXML10ExclusiveAlgorithmId))
		}, "exactly two transforms"},
		{"inclusive prefix list on the transform", func(a *etree.Element) {
			sel(a, ref+"/Transforms").ChildElements()[1].CreateElement("InclusiveNamespaces").CreateAttr("PrefixList", "saml")
		}, "second transform"},
		{"unknown digest", func(a *etree.Element) {
			sel(a, ref+"/DigestMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#md5")
		}, "unsupported DigestMethod"},
		{"short digest", func(a *etree.Element) { sel(a, ref+"/DigestValue").SetText("AAAA") }, "DigestValue"},
		{"SignatureValue not base64", func(a *etree.Element) { sel(a, "./Signature/SignatureValue").SetText("*") }, "SignatureValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := parseElement(t, genuine)
			tc.edit(a)
			a = parseElement(t, writeElement(t, a))
			sig, err := checkShape(a)
			if err != nil {
				t.Fatal(err)
			}
			sig.RemoveChild(child(sig, ns.DSig, "KeyInfo"))
			err = verifyEnveloped(a, sig, k.broker.Cert)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("verifyEnveloped = %v, want an error about %q", err, tc.want)
			}
		})
	}
}

// FuzzVerifyEnveloped is a differential fuzz target: whatever
// verifyEnveloped accepts, goxmldsig must accept with the same claims.
func FuzzVerifyEnveloped(f *testing.F) {
	xml := testshared.Sample(f, mfgAssertion)
	cert, err := x509.ParseCertificate(testshared.Sample(f, mfgCert))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(xml)
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, "input", b, []*x509.Certificate{cert}, mfgNow)
	})
}
