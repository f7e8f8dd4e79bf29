package wssec

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/fedavail/fedavail/internal/ns"
)

// Child returns the only child of el with this name: nil if there is none, a
// Wrapping error if there are several (a second copy is how signature
// wrapping hides).
func Child(el *etree.Element, space, local string) (*etree.Element, error) {
	var found *etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == space {
			if found != nil {
				return nil, fail(Wrapping, "more than one <%s> in <%s>", local, el.Tag)
			}
			found = c
		}
	}
	return found, nil
}

// MustChild is [Child] with a Malformed error when there is no such child.
func MustChild(el *etree.Element, space, local string) (*etree.Element, error) {
	c, err := Child(el, space, local)
	if err == nil && c == nil {
		err = fail(Malformed, "no <%s> in <%s>", local, el.Tag)
	}
	return c, err
}

// AttrNS returns the value of the attribute with this namespace and local name.
func AttrNS(el *etree.Element, space, local string) string {
	for i := range el.Attr {
		a := &el.Attr[i]
		if a.Key == local && a.NamespaceURI() == space {
			return a.Value
		}
	}
	return ""
}

// isIDAttr: the attributes that identify elements in the messages read
// here are wsu:Id, the unqualified Id and ID, and SAML 1.1's AssertionID.
func isIDAttr(a *etree.Attr) bool {
	switch a.Key {
	case "Id":
		return a.Space == "" || a.NamespaceURI() == ns.WSU
	case "ID", "AssertionID":
		return a.Space == ""
	}
	return false
}

// UniqueIDs fails when two elements of the document carry the same ID, so a
// reference can never be resolved to a decoy.
func UniqueIDs(root *etree.Element) error {
	seen := map[string]bool{}
	var walk func(el *etree.Element) error
	walk = func(el *etree.Element) error {
		for i := range el.Attr {
			if isIDAttr(&el.Attr[i]) {
				v := el.Attr[i].Value
				if seen[v] {
					return fail(Wrapping, "ID %q appears twice", v)
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

// CanonicalInPlace returns the exclusive canonical form of el with the
// namespace declarations it inherits from its ancestors.
func CanonicalInPlace(el *etree.Element, prefixList string) ([]byte, error) {
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

// KeyIdentifierSKI reads the Subject Key Identifier from a ds:KeyInfo holding
// o:SecurityTokenReference/o:KeyIdentifier.
func KeyIdentifierSKI(keyInfo *etree.Element) ([]byte, error) {
	if keyInfo == nil {
		return nil, fail(Malformed, "signature has no KeyInfo")
	}
	str, err := MustChild(keyInfo, ns.WSSE, "SecurityTokenReference")
	if err != nil {
		return nil, err
	}
	kid, err := MustChild(str, ns.WSSE, "KeyIdentifier")
	if err != nil {
		return nil, err
	}
	if vt := kid.SelectAttrValue("ValueType", ""); vt != ns.WSSX509SKI {
		return nil, fail(Malformed, "key identifier type %q, want X509SubjectKeyIdentifier", vt)
	}
	ski, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(kid.Text()), ""))
	if err != nil || len(ski) == 0 {
		return nil, fail(Malformed, "key identifier is not base64")
	}
	return ski, nil
}

// KeyInfoCertificate reads the certificate from a ds:KeyInfo holding exactly
// one ds:X509Data/ds:X509Certificate.
func KeyInfoCertificate(keyInfo *etree.Element) (*x509.Certificate, error) {
	if keyInfo == nil {
		return nil, fail(Malformed, "signature has no KeyInfo")
	}
	data, err := MustChild(keyInfo, ns.DSig, "X509Data")
	if err != nil {
		return nil, err
	}
	el, err := MustChild(data, ns.DSig, "X509Certificate")
	if err != nil {
		return nil, err
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(el.Text()), ""))
	if err != nil {
		return nil, fail(Malformed, "X509Certificate is not base64")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, &Error{Kind: Malformed, Detail: "X509Certificate", Err: err}
	}
	return cert, nil
}

// SignedReference is a Reference read from verified SignedInfo bytes.
type SignedReference struct {
	ID         string
	digest     []byte
	hash       crypto.Hash
	prefixList string
	enveloped  bool
}

// VerifySignedInfo checks the SignatureValue over the canonical SignedInfo
// with cert's key and returns the references as the verified bytes state them.
func VerifySignedInfo(sig *etree.Element, cert *x509.Certificate) ([]SignedReference, error) {
	si, err := MustChild(sig, ns.DSig, "SignedInfo")
	if err != nil {
		return nil, err
	}
	sv, err := MustChild(sig, ns.DSig, "SignatureValue")
	if err != nil {
		return nil, err
	}
	cm, err := MustChild(si, ns.DSig, "CanonicalizationMethod")
	if err != nil {
		return nil, err
	}
	if alg := cm.SelectAttrValue("Algorithm", ""); alg != AlgExcC14N {
		return nil, fail(BadSignature, "canonicalization %q, want exclusive C14N", alg)
	}
	sm, err := MustChild(si, ns.DSig, "SignatureMethod")
	if err != nil {
		return nil, err
	}
	var h crypto.Hash
	switch alg := sm.SelectAttrValue("Algorithm", ""); alg {
	case AlgRSASHA1:
		h = crypto.SHA1
	case AlgRSASHA256:
		h = crypto.SHA256
	default:
		return nil, fail(BadSignature, "signature method %q", alg)
	}
	canonical, err := CanonicalInPlace(si, "")
	if err != nil {
		return nil, &Error{Kind: Malformed, Detail: "SignedInfo", Err: err}
	}
	value, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.Text()), ""))
	if err != nil {
		return nil, fail(BadSignature, "SignatureValue is not base64")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fail(BadSignature, "certificate key is %T, want RSA", cert.PublicKey)
	}
	hh := h.New()
	hh.Write(canonical)
	if err := rsa.VerifyPKCS1v15(pub, h, hh.Sum(nil), value); err != nil {
		return nil, &Error{Kind: BadSignature, Err: err}
	}
	// Read the references from the bytes that were verified, not from the
	// tree they came from: canonicalization drops comments and whitespace
	// that could otherwise change what is read.
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(canonical); err != nil {
		return nil, &Error{Kind: Malformed, Detail: "SignedInfo", Err: err}
	}
	var refs []SignedReference
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

func readReference(r *etree.Element) (SignedReference, error) {
	var ref SignedReference
	uri := r.SelectAttrValue("URI", "")
	if !strings.HasPrefix(uri, "#") || len(uri) < 2 {
		return ref, fail(NotCovered, "reference URI %q is not a same-document ID", uri)
	}
	ref.ID = uri[1:]
	tr, _ := Child(r, ns.DSig, "Transforms")
	if tr == nil {
		return ref, fail(BadSignature, "reference #%s has no transforms", ref.ID)
	}
	var c14n bool
	for _, t := range tr.ChildElements() {
		switch alg := t.SelectAttrValue("Algorithm", ""); alg {
		case AlgEnveloped:
			ref.enveloped = true
		case AlgExcC14N:
			c14n = true
			if in := t.FindElement("./InclusiveNamespaces"); in != nil {
				ref.prefixList = in.SelectAttrValue("PrefixList", "")
			}
		default:
			return ref, fail(BadSignature, "transform %q", alg)
		}
	}
	if !c14n {
		return ref, fail(BadSignature, "reference #%s is not canonicalized", ref.ID)
	}
	dm, err := MustChild(r, ns.DSig, "DigestMethod")
	if err != nil {
		return ref, err
	}
	switch alg := dm.SelectAttrValue("Algorithm", ""); alg {
	case AlgSHA1:
		ref.hash = crypto.SHA1
	case AlgSHA256:
		ref.hash = crypto.SHA256
	default:
		return ref, fail(BadSignature, "digest method %q", alg)
	}
	dv, err := MustChild(r, ns.DSig, "DigestValue")
	if err != nil {
		return ref, err
	}
	if ref.digest, err = base64.StdEncoding.DecodeString(strings.TrimSpace(dv.Text())); err != nil {
		return ref, fail(BadSignature, "digest of #%s is not base64", ref.ID)
	}
	return ref, nil
}

// Enveloped reports whether the reference has the enveloped-signature transform.
func (ref SignedReference) Enveloped() bool { return ref.enveloped }

// CheckDigest compares a detached reference's digest with the digest of el.
func CheckDigest(ref SignedReference, el *etree.Element) error {
	if ref.enveloped {
		return fail(BadSignature, "enveloped transform on detached reference #%s", ref.ID)
	}
	c, err := CanonicalInPlace(el, ref.prefixList)
	if err != nil {
		return &Error{Kind: Malformed, Detail: "#" + ref.ID, Err: err}
	}
	hh := ref.hash.New()
	hh.Write(c)
	if !bytes.Equal(hh.Sum(nil), ref.digest) {
		return fail(BadSignature, "digest of #%s does not match", ref.ID)
	}
	return nil
}

// ParseTime reads an xs:dateTime; a missing zone means UTC, as WS-Security says.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

// CheckTimestamp reads a wsu:Timestamp and checks that it is current at now
// within skew and claims no longer a lifetime than maxLifetime.
func CheckTimestamp(ts *etree.Element, now time.Time, skew, maxLifetime time.Duration) (created, expires time.Time, err error) {
	c, _ := Child(ts, ns.WSU, "Created")
	e, _ := Child(ts, ns.WSU, "Expires")
	if c == nil || e == nil {
		return created, expires, fail(Malformed, "timestamp needs Created and Expires")
	}
	if created, err = ParseTime(c.Text()); err != nil {
		return created, expires, fail(Malformed, "timestamp Created %q", c.Text())
	}
	if expires, err = ParseTime(e.Text()); err != nil {
		return created, expires, fail(Malformed, "timestamp Expires %q", e.Text())
	}
	switch {
	case created.After(now.Add(skew)):
		err = fail(Expired, "created %s, in the future", created.Format(time.RFC3339))
	case !expires.After(now.Add(-skew)):
		err = fail(Expired, "expired %s", expires.Format(time.RFC3339))
	case expires.Sub(created) > maxLifetime:
		err = fail(Expired, "timestamp lifetime %s is longer than %s", expires.Sub(created), maxLifetime)
	}
	return created, expires, err
}
