package token

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/allocbudget"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// hostileAssertion is a genuine signed assertion with namespace
// declarations added to its root and count extra attributes, each with
// decls of its own: the signature no longer matches, but finding that
// out means canonicalizing all of it.
func hostileAssertion(t *testing.T, k *testKeys, decls, count int) []byte {
	t.Helper()
	tok, err := testIssuer(t, k).Issue(testClaims(), k.org.Cert)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := xmlguard.ParseEtree(tok.EncryptedData, xmlguard.Limits{}, "token")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := decrypt(doc.Root(), orgRing(t, k).Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	d := allocbudget.Declarations(decls)
	extra := strings.Repeat(`<saml:Attribute AttributeName="x" AttributeNamespace="urn:x"`+d+`><saml:AttributeValue>v</saml:AttributeValue></saml:Attribute>`, count)
	plain = bytes.Replace(plain, []byte("<saml:Assertion "), []byte("<saml:Assertion"+d+" "), 1)
	plain = bytes.Replace(plain, []byte("<saml:AttributeStatement>"), []byte("<saml:AttributeStatement>"+extra), 1)
	return plain
}

// TestValidatorAllocationBudget holds token validation — the token's XML,
// decryption, the assertion's XML, canonicalization and the signature
// check — to allocbudget.Multiple bytes per byte of token on assertions
// multiplying namespace declarations by elements, under the validator's
// own limits; and the plaintext half (what FuzzParseAssertion runs) with
// the declaration limits lifted.
func TestValidatorAllocationBudget(t *testing.T) {
	k := mustKeys(t)
	v := testValidator(t, k, testNow, ValidatorConfig{CacheSize: -1})
	for _, size := range []struct{ decls, count int }{{8, 8}, {16, 200}, {60, 60}, {300, 300}} {
		plain := hostileAssertion(t, k, size.decls, size.count)
		t.Run(fmt.Sprintf("token/%dx%d", size.decls, size.count), func(t *testing.T) {
			tok := sealTo(t, plain, k.org.Cert, RSAOAEP, AES256CBC)
			var err error
			allocbudget.Check(t, "ValidateToken", len(tok), allocbudget.Multiple, func() {
				_, err = v.ValidateToken(t.Context(), tok, fedavail.OfferFreeBusy)
			})
			if err == nil {
				t.Fatal("a tampered assertion was accepted")
			}
		})
		t.Run(fmt.Sprintf("plaintext/%dx%d", size.decls, size.count), func(t *testing.T) {
			allocbudget.Check(t, "assertion", len(plain), allocbudget.Multiple, func() {
				doc, err := xmlguard.ParseEtree(plain, allocbudget.LiftedLimits, "assertion")
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = parseAssertion(doc.Root())
				if sig, err := checkShape(doc.Root()); err == nil {
					_, _, _ = verify(doc.Root(), sig, []*x509.Certificate{k.broker.Cert}, testNow)
				}
			})
		})
	}
}
