package token

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/pki"
)

// samlIDAttr is the ID attribute of a SAML 1.1 assertion; the signature's
// Reference URI is "#" + its value.
const samlIDAttr = "AssertionID"

// sign adds an enveloped signature to the assertion as the MFG does:
// exclusive canonicalization, the signature as the assertion's last child,
// and a KeyInfo that names the signing certificate by Subject Key Identifier
// rather than carrying it (receivers already trust the broker's certificate).
func sign(a *etree.Element, signer keyring.Pair, hash crypto.Hash) (*etree.Element, error) {
	if signer.Key == nil || signer.Cert == nil {
		return nil, errors.New("token: the signing pair has no key or certificate")
	}
	ctx, err := dsig.NewSigningContext(signer.Key, [][]byte{signer.Cert.Raw})
	if err != nil {
		return nil, err
	}
	ctx.Hash = hash
	ctx.IdAttribute = samlIDAttr
	ctx.Prefix = "" // <Signature xmlns="…xmldsig#">, like the sample
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := ctx.SignEnveloped(a)
	if err != nil {
		return nil, fmt.Errorf("token: signing the assertion: %w", err)
	}
	sig := signed.ChildElements()[len(signed.ChildElements())-1]
	// KeyInfo is outside SignedInfo, so replacing goxmldsig's X509Data with
	// the SKI reference does not touch what was signed.
	ki := sig.SelectElement("KeyInfo")
	for _, c := range ki.ChildElements() {
		ki.RemoveChild(c)
	}
	appendSKIReference(ki, pki.SKI(signer.Cert))
	return signed, nil
}

// checkShape enforces the structure a genuine delegation token has before
// any signature work, closing the signature-wrapping variants: the document
// element is the only Assertion, it has exactly one Signature, as a direct
// child, with exactly one Reference whose URI is "#" + the AssertionID, no
// ID value appears twice, and there are no comments or processing
// instructions (which exclusive canonicalization ignores, so they could
// change what a reader sees without breaking the signature).
func checkShape(a *etree.Element) (*etree.Element, error) {
	if !is(a, ns.SAML11, "Assertion") {
		return nil, formatErr("root element is %s, want saml:Assertion", a.FullTag())
	}
	var sigs []*etree.Element
	ids := map[string]bool{}
	var walk func(el *etree.Element, root bool) error
	walk = func(el *etree.Element, root bool) error {
		if !root && el.Tag == "Assertion" {
			return formatErr("nested Assertion element")
		}
		if el.Tag == "Signature" && el.NamespaceURI() == ns.DSig {
			sigs = append(sigs, el)
		}
		for _, at := range el.Attr {
			switch at.Key {
			case "AssertionID", "ID", "Id":
				if ids[at.Value] {
					return formatErr("ID %q appears twice", at.Value)
				}
				ids[at.Value] = true
			}
		}
		for _, t := range el.Child {
			switch t := t.(type) {
			case *etree.Element:
				if err := walk(t, false); err != nil {
					return err
				}
			case *etree.Comment, *etree.ProcInst, *etree.Directive:
				return formatErr("comment or processing instruction inside the assertion")
			}
		}
		return nil
	}
	if err := walk(a, true); err != nil {
		return nil, err
	}
	switch {
	case len(sigs) == 0:
		return nil, fail(InvalidTokenFailedValidation, "assertion is not signed")
	case len(sigs) > 1:
		return nil, formatErr("%d Signature elements", len(sigs))
	case sigs[0].Parent() != a:
		return nil, formatErr("Signature is not a child of the assertion")
	}
	refs := children(child(sigs[0], ns.DSig, "SignedInfo"), ns.DSig, "Reference")
	if len(refs) != 1 {
		return nil, formatErr("want one signature Reference, found %d", len(refs))
	}
	if uri, id := attr(refs[0], "URI"), attr(a, samlIDAttr); id == "" || uri != "#"+id {
		return nil, formatErr("signature Reference %q does not name the assertion %q", uri, id)
	}
	return sigs[0], nil
}

// verify checks the assertion's signature against the trusted broker
// certificates only, and returns the verified element — a itself, now
// exactly the tree whose canonical form the signature covers (see
// verifyEnveloped) — and the certificate that verified it. The certificate
// is chosen among the trusted ones by the KeyInfo's Subject Key Identifier
// (or an embedded certificate equal to a trusted one); nothing in KeyInfo is
// used otherwise, so the check can only succeed with a trusted key.
func verify(a, sig *etree.Element, trusted []*x509.Certificate, now time.Time) (*etree.Element, *x509.Certificate, error) {
	ki := child(sig, ns.DSig, "KeyInfo")
	if ki == nil {
		return nil, nil, fail(InvalidTrustBroker, "signature has no KeyInfo naming the signer")
	}
	cert := signerCert(ki, trusted)
	if cert == nil {
		return nil, nil, fail(InvalidTrustBroker, "signed by a certificate that is not a trusted broker certificate")
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, nil, fail(InvalidTrustBroker, "broker certificate %q is not valid at %s", cert.Subject.CommonName, now.Format(time.RFC3339))
	}
	sig.RemoveChild(ki)
	if err := verifyEnveloped(a, sig, cert); err != nil {
		return nil, nil, failErr(InvalidTokenFailedValidation, fmt.Errorf("token: signature: %w", err))
	}
	return a, cert, nil
}

func signerCert(ki *etree.Element, trusted []*x509.Certificate) *x509.Certificate {
	if ski, err := skiReference(ki); err == nil {
		return pki.FindBySKI(trusted, ski)
	}
	certs := ki.FindElements("./X509Data/X509Certificate")
	if len(certs) != 1 {
		return nil
	}
	der, err := decodeBase64(certs[0].Text())
	if err != nil {
		return nil
	}
	for _, c := range trusted {
		if bytes.Equal(c.Raw, der) {
			return c
		}
	}
	return nil
}
