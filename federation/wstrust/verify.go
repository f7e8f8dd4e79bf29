package wstrust

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/pki"
)

// child returns the only child of el with this name: nil if there is none, an
// error if there are several (a second copy is how signature wrapping hides).
func child(el *etree.Element, space, local string) (*etree.Element, error) {
	var found *etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == space {
			if found != nil {
				return nil, reject(ReasonWrapping, "more than one <%s> in <%s>", local, el.Tag)
			}
			found = c
		}
	}
	return found, nil
}

func mustChild(el *etree.Element, space, local string) (*etree.Element, error) {
	c, err := child(el, space, local)
	if err == nil && c == nil {
		err = reject(ReasonMalformed, "no <%s> in <%s>", local, el.Tag)
	}
	return c, err
}

// attrNS returns the value of the attribute with this namespace and local name.
func attrNS(el *etree.Element, space, local string) string {
	for i := range el.Attr {
		a := &el.Attr[i]
		if a.Key == local && a.NamespaceURI() == space {
			return a.Value
		}
	}
	return ""
}

// idAttrs are the attributes that identify elements in the messages read
// here: wsu:Id, the unqualified Id and ID, and SAML 1.1's AssertionID.
func isIDAttr(a *etree.Attr) bool {
	switch a.Key {
	case "Id":
		return a.Space == "" || a.NamespaceURI() == ns.WSU
	case "ID", "AssertionID":
		return a.Space == ""
	}
	return false
}

// uniqueIDs fails when two elements of the document carry the same ID, so a
// reference can never be resolved to a decoy.
func uniqueIDs(root *etree.Element) error {
	seen := map[string]bool{}
	var walk func(el *etree.Element) error
	walk = func(el *etree.Element) error {
		for i := range el.Attr {
			if isIDAttr(&el.Attr[i]) {
				v := el.Attr[i].Value
				if seen[v] {
					return reject(ReasonWrapping, "ID %q appears twice", v)
				}
				seen[v] = true
			}
		}
		for _, c := range el.ChildElements() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// canonicalInPlace returns the exclusive canonical form of el with the
// namespace declarations it inherits from its ancestors.
func canonicalInPlace(el *etree.Element, prefixList string) ([]byte, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	det, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, err
	}
	return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixList).Canonicalize(det)
}

// keyIdentifierSKI reads the Subject Key Identifier from a ds:KeyInfo holding
// o:SecurityTokenReference/o:KeyIdentifier.
func keyIdentifierSKI(keyInfo *etree.Element) ([]byte, error) {
	if keyInfo == nil {
		return nil, reject(ReasonMalformed, "signature has no KeyInfo")
	}
	str, err := mustChild(keyInfo, ns.WSSE, "SecurityTokenReference")
	if err != nil {
		return nil, err
	}
	kid, err := mustChild(str, ns.WSSE, "KeyIdentifier")
	if err != nil {
		return nil, err
	}
	if vt := kid.SelectAttrValue("ValueType", ""); vt != ns.WSSX509SKI {
		return nil, reject(ReasonMalformed, "key identifier type %q, want X509SubjectKeyIdentifier", vt)
	}
	ski, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(kid.Text()), ""))
	if err != nil || len(ski) == 0 {
		return nil, reject(ReasonMalformed, "key identifier is not base64")
	}
	return ski, nil
}

// signedReference is a Reference read from verified SignedInfo bytes.
type signedReference struct {
	id         string
	digest     []byte
	hash       crypto.Hash
	prefixList string
	enveloped  bool
}

// verifySignedInfo checks the SignatureValue over the canonical SignedInfo
// with cert's key and returns the references as the verified bytes state them.
func verifySignedInfo(sig *etree.Element, cert *x509.Certificate) ([]signedReference, error) {
	si, err := mustChild(sig, ns.DSig, "SignedInfo")
	if err != nil {
		return nil, err
	}
	sv, err := mustChild(sig, ns.DSig, "SignatureValue")
	if err != nil {
		return nil, err
	}
	cm, err := mustChild(si, ns.DSig, "CanonicalizationMethod")
	if err != nil {
		return nil, err
	}
	if alg := cm.SelectAttrValue("Algorithm", ""); alg != algExcC14N {
		return nil, reject(ReasonBadSignature, "canonicalization %q, want exclusive C14N", alg)
	}
	sm, err := mustChild(si, ns.DSig, "SignatureMethod")
	if err != nil {
		return nil, err
	}
	var h crypto.Hash
	switch alg := sm.SelectAttrValue("Algorithm", ""); alg {
	case algRSASHA1:
		h = crypto.SHA1
	case algRSASHA256:
		h = crypto.SHA256
	default:
		return nil, reject(ReasonBadSignature, "signature method %q", alg)
	}
	canonical, err := canonicalInPlace(si, "")
	if err != nil {
		return nil, &VerifyError{Reason: ReasonMalformed, Err: fmt.Errorf("SignedInfo: %w", err)}
	}
	value, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.Text()), ""))
	if err != nil {
		return nil, reject(ReasonBadSignature, "SignatureValue is not base64")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, reject(ReasonBadSignature, "certificate key is %T, want RSA", cert.PublicKey)
	}
	hh := h.New()
	hh.Write(canonical)
	if err := rsa.VerifyPKCS1v15(pub, h, hh.Sum(nil), value); err != nil {
		return nil, &VerifyError{Reason: ReasonBadSignature, Err: err}
	}
	// Read the references from the bytes that were verified, not from the
	// tree they came from: canonicalization drops comments and whitespace
	// that could otherwise change what is read.
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(canonical); err != nil {
		return nil, &VerifyError{Reason: ReasonMalformed, Err: fmt.Errorf("SignedInfo: %w", err)}
	}
	var refs []signedReference
	for _, r := range doc.Root().ChildElements() {
		if r.Tag != "Reference" || r.NamespaceURI() != ns.DSig {
			continue
		}
		ref, err := readReference(r)
		if err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func readReference(r *etree.Element) (signedReference, error) {
	var ref signedReference
	uri := r.SelectAttrValue("URI", "")
	if !strings.HasPrefix(uri, "#") || len(uri) < 2 {
		return ref, reject(ReasonNotCovered, "reference URI %q is not a same-document ID", uri)
	}
	ref.id = uri[1:]
	if tr, _ := child(r, ns.DSig, "Transforms"); tr != nil {
		var c14n bool
		for _, t := range tr.ChildElements() {
			switch alg := t.SelectAttrValue("Algorithm", ""); alg {
			case algEnveloped:
				ref.enveloped = true
			case algExcC14N:
				c14n = true
				if in := t.FindElement("./InclusiveNamespaces"); in != nil {
					ref.prefixList = in.SelectAttrValue("PrefixList", "")
				}
			default:
				return ref, reject(ReasonBadSignature, "transform %q", alg)
			}
		}
		if !c14n {
			return ref, reject(ReasonBadSignature, "reference #%s is not canonicalized", ref.id)
		}
	} else {
		return ref, reject(ReasonBadSignature, "reference #%s has no transforms", ref.id)
	}
	dm, err := mustChild(r, ns.DSig, "DigestMethod")
	if err != nil {
		return ref, err
	}
	switch alg := dm.SelectAttrValue("Algorithm", ""); alg {
	case algSHA1:
		ref.hash = crypto.SHA1
	case algSHA256:
		ref.hash = crypto.SHA256
	default:
		return ref, reject(ReasonBadSignature, "digest method %q", alg)
	}
	dv, err := mustChild(r, ns.DSig, "DigestValue")
	if err != nil {
		return ref, err
	}
	if ref.digest, err = base64.StdEncoding.DecodeString(strings.TrimSpace(dv.Text())); err != nil {
		return ref, reject(ReasonBadSignature, "digest of #%s is not base64", ref.id)
	}
	return ref, nil
}

// checkDigest compares a reference's digest with the digest of el.
func checkDigest(ref signedReference, el *etree.Element) error {
	if ref.enveloped {
		return reject(ReasonBadSignature, "enveloped transform on detached reference #%s", ref.id)
	}
	c, err := canonicalInPlace(el, ref.prefixList)
	if err != nil {
		return &VerifyError{Reason: ReasonMalformed, Err: fmt.Errorf("#%s: %w", ref.id, err)}
	}
	hh := ref.hash.New()
	hh.Write(c)
	if !bytes.Equal(hh.Sum(nil), ref.digest) {
		return reject(ReasonBadSignature, "digest of #%s does not match", ref.id)
	}
	return nil
}

func skiOf(c *x509.Certificate) []byte { return pki.SKI(c) }
