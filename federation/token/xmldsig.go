package token

import (
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedavail/fedavail/internal/ns"
)

// verifyEnveloped checks an assertion's enveloped XML signature. It replaces
// goxmldsig's ValidationContext.Validate on the validation path because
// that function costs as much again as the assertion's own parse: it copies
// the tree twice, walks every element with a fresh namespace map, serializes
// the Signature to unmarshal it with encoding/xml, unmarshals the SignedInfo
// again, and finally re-parses the whole canonical assertion. Canonical XML
// is written straight from the tree (canonicalize), held to goxmldsig's
// bytes by TestC14NMatchesGoxmldsig and FuzzParseAssertionTree.
//
// It accepts exactly one form, the one the Microsoft Federation Gateway and
// [Issuer] write, and is stricter than goxmldsig everywhere else: the
// Signature holds SignedInfo and SignatureValue only (the caller has taken
// KeyInfo out), SignedInfo holds CanonicalizationMethod, SignatureMethod and
// one Reference, canonicalization is exclusive without comments and without
// an inclusive prefix list, the Reference names a and has exactly the
// enveloped-signature and exclusive canonicalization transforms, in that
// order. checkShape has already made sure sig is a's only Signature, a
// direct child, and that a holds no comments or duplicate IDs.
//
// On success a is the very tree whose canonical form the digest covers
// (the Signature removed; canonicalization is a function of the tree, and
// dropping unused declarations changes no name's namespace), so the claims
// read from it are the signed ones; goxmldsig returns a parse of the same
// canonical bytes instead. On failure a must be discarded.
func verifyEnveloped(a, sig *etree.Element, cert *x509.Certificate) error {
	parts, ok := dsigSequence(sig, "SignedInfo", "SignatureValue")
	if !ok {
		return errors.New("the Signature does not hold exactly SignedInfo and SignatureValue")
	}
	signedInfo, sigValue := parts[0], parts[1]

	// SignedInfo is canonicalized where it stands, with the namespace
	// declarations in scope there, and read from the same tree.
	canonicalSignedInfo, err := canonicalize(signedInfo, 1<<10)
	if err != nil {
		return err
	}
	ref, sigAlg, err := readSignedInfo(signedInfo, attr(a, samlIDAttr))
	if err != nil {
		return err
	}
	// Reference validation first, as XML Signature's core validation
	// orders it (a tampered assertion then costs no RSA work): the
	// enveloped-signature transform (in place, as a was parsed for this
	// validation alone) and exclusive canonicalization.
	a.RemoveChild(sig)
	canonical, err := canonicalize(a, 4<<10)
	if err != nil {
		return err
	}
	h := ref.hash.New()
	h.Write(canonical)
	if subtle.ConstantTimeCompare(h.Sum(nil), ref.digest) != 1 {
		return errors.New("the digest of the assertion does not match the signed one")
	}
	sv, err := text(sigValue)
	if err != nil {
		return err
	}
	// goxmldsig's decoding: standard base64, line breaks ignored.
	signature, err := base64.StdEncoding.DecodeString(sv)
	if err != nil {
		return errors.New("SignatureValue is not base64")
	}
	if err := cert.CheckSignature(sigAlg, canonicalSignedInfo, signature); err != nil {
		return err
	}
	return nil
}

// reference is what verifyEnveloped needs of the signature's one Reference.
type reference struct {
	hash   crypto.Hash
	digest []byte
}

// readSignedInfo reads a canonicalized SignedInfo: its signature method and
// the Reference, which must name the assertion whose ID is id.
func readSignedInfo(si *etree.Element, id string) (reference, x509.SignatureAlgorithm, error) {
	parts, ok := dsigSequence(si, "CanonicalizationMethod", "SignatureMethod", "Reference")
	if !ok {
		return reference{}, 0, errors.New("SignedInfo does not hold exactly CanonicalizationMethod, SignatureMethod and one Reference")
	}
	if err := wantAlgorithm(parts[0], string(dsig.CanonicalXML10ExclusiveAlgorithmId)); err != nil {
		return reference{}, 0, fmt.Errorf("CanonicalizationMethod: %w", err)
	}
	sigAlg, ok := signatureAlgorithm(attr(parts[1], "Algorithm"))
	if !ok || len(parts[1].ChildElements()) != 0 {
		return reference{}, 0, fmt.Errorf("unsupported SignatureMethod %q", attr(parts[1], "Algorithm"))
	}
	ref := parts[2]
	if id == "" || attr(ref, "URI") != "#"+id {
		return reference{}, 0, fmt.Errorf("the Reference %q does not name the assertion %q", attr(ref, "URI"), id)
	}
	rparts, ok := dsigSequence(ref, "Transforms", "DigestMethod", "DigestValue")
	if !ok {
		return reference{}, 0, errors.New("the Reference does not hold exactly Transforms, DigestMethod and DigestValue")
	}
	transforms, ok := dsigSequence(rparts[0], "Transform", "Transform")
	if !ok {
		return reference{}, 0, errors.New("the Reference does not have exactly two transforms")
	}
	if err := wantAlgorithm(transforms[0], string(dsig.EnvelopedSignatureAltorithmId)); err != nil {
		return reference{}, 0, fmt.Errorf("first transform: %w", err)
	}
	if err := wantAlgorithm(transforms[1], string(dsig.CanonicalXML10ExclusiveAlgorithmId)); err != nil {
		return reference{}, 0, fmt.Errorf("second transform: %w", err)
	}
	h, ok := digestAlgorithm(attr(rparts[1], "Algorithm"))
	if !ok || len(rparts[1].ChildElements()) != 0 {
		return reference{}, 0, fmt.Errorf("unsupported DigestMethod %q", attr(rparts[1], "Algorithm"))
	}
	dv, err := text(rparts[2])
	if err != nil {
		return reference{}, 0, err
	}
	digest, err := base64.StdEncoding.DecodeString(dv)
	if err != nil || len(digest) != h.Size() {
		return reference{}, 0, errors.New("DigestValue is not a base64 digest of the right size")
	}
	return reference{hash: h, digest: digest}, sigAlg, nil
}

// dsigSequence returns el's child elements if they are exactly the XML
// Signature elements named, in this order; any other element, in any
// namespace, is refused rather than skipped.
func dsigSequence(el *etree.Element, locals ...string) ([]*etree.Element, bool) {
	cs := el.ChildElements()
	if len(cs) != len(locals) {
		return nil, false
	}
	for i, c := range cs {
		if !is(c, ns.DSig, locals[i]) {
			return nil, false
		}
	}
	return cs, true
}

// wantAlgorithm checks that el names the algorithm want and has no
// parameters (such as an InclusiveNamespaces prefix list or an XPath).
func wantAlgorithm(el *etree.Element, want string) error {
	if got := attr(el, "Algorithm"); got != want || len(el.ChildElements()) != 0 {
		return fmt.Errorf("algorithm %q (with %d parameters), want %q alone", got, len(el.ChildElements()), want)
	}
	return nil
}

// signatureAlgorithm maps the RSA signature methods goxmldsig knows to
// their x509 algorithm; the broker's certificates are RSA.
func signatureAlgorithm(uri string) (x509.SignatureAlgorithm, bool) {
	switch uri {
	case dsig.RSASHA1SignatureMethod:
		return x509.SHA1WithRSA, true
	case dsig.RSASHA256SignatureMethod:
		return x509.SHA256WithRSA, true
	case dsig.RSASHA384SignatureMethod:
		return x509.SHA384WithRSA, true
	case dsig.RSASHA512SignatureMethod:
		return x509.SHA512WithRSA, true
	}
	return 0, false
}

// digestAlgorithm maps the digest methods goxmldsig knows to their hash.
func digestAlgorithm(uri string) (crypto.Hash, bool) {
	switch uri {
	case digestSHA1:
		return crypto.SHA1, true
	case digestSHA256:
		return crypto.SHA256, true
	case "http://www.w3.org/2001/04/xmldsig-more#sha384":
		return crypto.SHA384, true
	case "http://www.w3.org/2001/04/xmlenc#sha512":
		return crypto.SHA512, true
	}
	return 0, false
}
