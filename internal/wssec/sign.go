package wssec

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedavail/fedavail/internal/ns"
)

// Algorithm URIs.
const (
	AlgExcC14N    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgEnveloped  = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	AlgRSASHA1    = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	AlgRSASHA256  = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	AlgSHA1       = "http://www.w3.org/2000/09/xmldsig#sha1"
	AlgSHA256     = "http://www.w3.org/2001/04/xmlenc#sha256"
	TimeFormatSec = "2006-01-02T15:04:05Z" // .NET's "yyyy-MM-ddTHH:mm:ssZ"
)

// Method selects the signature and digest algorithms.
type Method int

// Signature methods. The zero value is what Exchange uses.
const (
	// RSASHA1 signs with RSA-SHA1 and digests with SHA-1, as Exchange does.
	RSASHA1 Method = iota
	// RSASHA256 signs with RSA-SHA256 and digests with SHA-256.
	RSASHA256
)

func (m Method) algorithms() (sig, digest string, h crypto.Hash) {
	if m == RSASHA256 {
		return AlgRSASHA256, AlgSHA256, crypto.SHA256
	}
	return AlgRSASHA1, AlgSHA1, crypto.SHA1
}

// Reference is one element to be covered by a signature: its ID and the
// element as standalone XML (every prefix it uses declared in it).
type Reference struct {
	ID        string
	Element   []byte
	Enveloped bool // add the enveloped-signature transform
}

// Signer makes XML signatures with an RSA key. goxmldsig signs one
// enveloped reference; WS-Security needs detached signatures over several
// references and other KeyInfo forms, so SignedInfo is assembled here and
// only the canonicalizer is goxmldsig's.
type Signer struct {
	// Key signs: an *rsa.PrivateKey, or a crypto.Signer keeping an RSA key
	// in an HSM or a KMS. Required.
	Key crypto.Signer
	// Method selects the algorithms; the zero value is RSA-SHA1.
	Method Method
	// Certificate, when set, is written whole into KeyInfo as
	// ds:X509Data/ds:X509Certificate (ManageDelegation2's form).
	Certificate *x509.Certificate
	// SKI, used when Certificate is nil, names the certificate in KeyInfo by
	// an o:SecurityTokenReference key identifier (the WS-Trust request's form).
	SKI []byte
}

const siStart = `<ds:SignedInfo xmlns:ds="` + ns.DSig + `">`

// Sign returns a complete ds:Signature element (declaring the prefixes it
// uses) over refs.
func (s *Signer) Sign(refs []Reference) ([]byte, error) {
	sigAlg, digestAlg, h := s.Method.algorithms()
	var si bytes.Buffer
	si.WriteString(siStart)
	fmt.Fprintf(&si, `<ds:CanonicalizationMethod Algorithm="%s"/><ds:SignatureMethod Algorithm="%s"/>`, AlgExcC14N, sigAlg)
	for _, r := range refs {
		digest, err := digestOf(r.Element, h)
		if err != nil {
			return nil, fmt.Errorf("wssec: digest of #%s: %w", r.ID, err)
		}
		fmt.Fprintf(&si, `<ds:Reference URI="#%s"><ds:Transforms>`, Escape(r.ID))
		if r.Enveloped {
			fmt.Fprintf(&si, `<ds:Transform Algorithm="%s"/>`, AlgEnveloped)
		}
		fmt.Fprintf(&si, `<ds:Transform Algorithm="%s"/></ds:Transforms><ds:DigestMethod Algorithm="%s"/><ds:DigestValue>%s</ds:DigestValue></ds:Reference>`,
			AlgExcC14N, digestAlg, base64.StdEncoding.EncodeToString(digest))
	}
	si.WriteString(`</ds:SignedInfo>`)
	canonical, err := Canonicalize(si.Bytes())
	if err != nil {
		return nil, fmt.Errorf("wssec: canonicalize SignedInfo: %w", err)
	}
	hh := h.New()
	hh.Write(canonical)
	// PKCS #1 v1.5 ignores the random source; rand.Reader is passed because
	// the interface wants one.
	// An RSA key signs PKCS #1 v1.5 when given a crypto.Hash.
	value, err := s.Key.Sign(rand.Reader, hh.Sum(nil), h)
	if err != nil {
		return nil, fmt.Errorf("wssec: sign: %w", err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, `<ds:Signature xmlns:ds="%s">`, ns.DSig)
	// Inside ds:Signature the SignedInfo's own declaration of ds is redundant;
	// exclusive canonicalization yields the same bytes without it.
	out.WriteString(`<ds:SignedInfo>`)
	out.Write(si.Bytes()[len(siStart):])
	fmt.Fprintf(&out, `<ds:SignatureValue>%s</ds:SignatureValue>`, base64.StdEncoding.EncodeToString(value))
	out.WriteString(`<ds:KeyInfo>`)
	if s.Certificate != nil {
		fmt.Fprintf(&out, `<ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data>`, base64.StdEncoding.EncodeToString(s.Certificate.Raw))
	} else {
		out.Write(skiReference(s.SKI))
	}
	out.WriteString(`</ds:KeyInfo></ds:Signature>`)
	return out.Bytes(), nil
}

// skiReference is the o:SecurityTokenReference naming a certificate by its
// Subject Key Identifier (WSS X.509 token profile 1.0, section 3.2.1).
func skiReference(ski []byte) []byte {
	return fmt.Appendf(nil, `<o:SecurityTokenReference xmlns:o="%s"><o:KeyIdentifier ValueType="%s" EncodingType="%s">%s</o:KeyIdentifier></o:SecurityTokenReference>`,
		ns.WSSE, ns.WSSX509SKI, ns.WSSB64, base64.StdEncoding.EncodeToString(ski))
}

// Timestamp renders a standalone wsu:Timestamp with this wsu:Id, prefix u,
// the instants in layout (UTC).
func Timestamp(id string, created, expires time.Time, layout string) []byte {
	return fmt.Appendf(nil, `<u:Timestamp xmlns:u="%s" u:Id="%s"><u:Created>%s</u:Created><u:Expires>%s</u:Expires></u:Timestamp>`,
		ns.WSU, Escape(id), created.UTC().Format(layout), expires.UTC().Format(layout))
}

// Escape escapes s for element content or a double-quoted attribute value.
func Escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // escapes '"' too
	return b.String()
}

func digestOf(element []byte, h crypto.Hash) ([]byte, error) {
	c, err := Canonicalize(element)
	if err != nil {
		return nil, err
	}
	hh := h.New()
	hh.Write(c)
	return hh.Sum(nil), nil
}

// Canonicalize returns the exclusive canonical form of a standalone element.
func Canonicalize(element []byte) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(element); err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, fmt.Errorf("no element")
	}
	return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(doc.Root())
}
