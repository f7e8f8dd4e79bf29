package wstrust

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedavail/fedavail/internal/ns"
)

// SignatureMethod selects the signature and digest algorithms of the
// signatures a [Client] makes.
type SignatureMethod int

// Signature methods. The zero value is what Exchange uses.
const (
	// RSASHA1 signs with RSA-SHA1 and digests with SHA-1, as Exchange does.
	RSASHA1 SignatureMethod = iota
	// RSASHA256 signs with RSA-SHA256 and digests with SHA-256.
	RSASHA256
)

func (m SignatureMethod) algorithms() (sig, digest string, h crypto.Hash) {
	if m == RSASHA256 {
		return algRSASHA256, algSHA256, crypto.SHA256
	}
	return algRSASHA1, algSHA1, crypto.SHA1
}

// reference is one element to be covered by a signature: its ID and the
// element as standalone XML (every prefix it uses declared in it). Exclusive
// canonicalization only looks at the prefixes an element visibly uses, so the
// standalone form canonicalizes exactly like the element in its final place.
type reference struct {
	id        string
	element   []byte
	enveloped bool // add the enveloped-signature transform
}

// signer makes XML signatures with an RSA key identified by its Subject Key
// Identifier. goxmldsig signs one enveloped reference and writes the whole
// certificate into KeyInfo; a WS-Security header needs a detached signature
// over several references and a SecurityTokenReference instead, so the
// SignedInfo is assembled here and only the canonicalizer is goxmldsig's.
type signer struct {
	key    crypto.Signer
	ski    []byte
	method SignatureMethod
}

const siStart = `<ds:SignedInfo xmlns:ds="` + ns.DSig + `">`

// sign returns a complete ds:Signature element (declaring ds and o) over refs.
func (s *signer) sign(refs []reference) ([]byte, error) {
	sigAlg, digestAlg, h := s.method.algorithms()
	var si bytes.Buffer
	si.WriteString(siStart)
	fmt.Fprintf(&si, `<ds:CanonicalizationMethod Algorithm="%s"/><ds:SignatureMethod Algorithm="%s"/>`, algExcC14N, sigAlg)
	for _, r := range refs {
		digest, err := digestOf(r.element, h)
		if err != nil {
			return nil, fmt.Errorf("wstrust: digest of #%s: %w", r.id, err)
		}
		fmt.Fprintf(&si, `<ds:Reference URI="#%s"><ds:Transforms>`, attr(r.id))
		if r.enveloped {
			fmt.Fprintf(&si, `<ds:Transform Algorithm="%s"/>`, algEnveloped)
		}
		fmt.Fprintf(&si, `<ds:Transform Algorithm="%s"/></ds:Transforms><ds:DigestMethod Algorithm="%s"/><ds:DigestValue>%s</ds:DigestValue></ds:Reference>`,
			algExcC14N, digestAlg, base64.StdEncoding.EncodeToString(digest))
	}
	si.WriteString(`</ds:SignedInfo>`)
	canonical, err := canonicalize(si.Bytes())
	if err != nil {
		return nil, fmt.Errorf("wstrust: canonicalize SignedInfo: %w", err)
	}
	hh := h.New()
	hh.Write(canonical)
	// An RSA key (checked by Envelope) signs PKCS #1 v1.5 when given a
	// crypto.Hash, which ignores the random source.
	value, err := s.key.Sign(rand.Reader, hh.Sum(nil), h)
	if err != nil {
		return nil, fmt.Errorf("wstrust: sign: %w", err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, `<ds:Signature xmlns:ds="%s">`, ns.DSig)
	// Inside ds:Signature the SignedInfo's own declaration of ds is redundant;
	// exclusive canonicalization yields the same bytes without it.
	out.WriteString(`<ds:SignedInfo>`)
	out.Write(si.Bytes()[len(siStart):])
	fmt.Fprintf(&out, `<ds:SignatureValue>%s</ds:SignatureValue>`, base64.StdEncoding.EncodeToString(value))
	out.WriteString(`<ds:KeyInfo>`)
	out.Write(skiReference(s.ski))
	out.WriteString(`</ds:KeyInfo></ds:Signature>`)
	return out.Bytes(), nil
}

// skiReference is the o:SecurityTokenReference naming a certificate by its
// Subject Key Identifier (WSS X.509 token profile 1.0, section 3.2.1).
func skiReference(ski []byte) []byte {
	return fmt.Appendf(nil, `<o:SecurityTokenReference xmlns:o="%s"><o:KeyIdentifier ValueType="%s" EncodingType="%s">%s</o:KeyIdentifier></o:SecurityTokenReference>`,
		ns.WSSE, ns.WSSX509SKI, ns.WSSB64, base64.StdEncoding.EncodeToString(ski))
}

func digestOf(element []byte, h crypto.Hash) ([]byte, error) {
	c, err := canonicalize(element)
	if err != nil {
		return nil, err
	}
	hh := h.New()
	hh.Write(c)
	return hh.Sum(nil), nil
}

// canonicalize returns the exclusive canonical form of a standalone element.
func canonicalize(element []byte) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(element); err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, fmt.Errorf("no element")
	}
	return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(doc.Root())
}
