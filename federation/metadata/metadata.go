package metadata

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Metadata is what a trust broker's federation metadata says.
type Metadata struct {
	// IssuerURI is the broker's issuer URI, the Issuer of its tokens.
	IssuerURI string
	// Certs are the valid token-signing certificates, current first, then
	// previous.
	Certs []*x509.Certificate
	// TokenEndpoint is where WS-Trust requests go (TargetServiceEndpoint).
	TokenEndpoint string
	// RedirectEndpoint is the WebRequestorRedirectEndpoint address.
	RedirectEndpoint string
}

// TrustedBroker implements token.BrokerTrust.
func (m *Metadata) TrustedBroker() (string, []*x509.Certificate) { return m.IssuerURI, m.Certs }

// The wsu:Id values that mark the current and previous signing certificates.
const (
	CurrentCertID  = "stscer"
	PreviousCertID = "stsbcer"
)

// ErrNoValidCertificate is returned when no token-signing certificate in the
// document is valid now.
var ErrNoValidCertificate = errors.New("metadata: no valid token-signing certificate")

// missing is the error for a document without a required part: a document
// without the expected shape, which fedavail.XMLError already says.
func missing(what string) error {
	return &fedavail.XMLError{Context: "federation metadata", Err: errors.New("no " + what)}
}

// Parse reads a federation metadata document and applies the rollover rules
// at now. Warnings (an expired certificate dropped) go to logger; nil
// discards them. Malformed XML, or a document without a required part, is a
// *fedavail.XMLError (naming the part); unsafe XML is
// fedavail.ErrDTD or *fedavail.LimitError.
func Parse(data []byte, now time.Time, logger *slog.Logger) (*Metadata, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	doc, err := xmlguard.ParseEtree(data, xmlguard.Limits{MaxBytes: 1 << 20}, "federation metadata")
	if err != nil {
		return nil, err
	}
	var m Metadata
	var cur, prev *x509.Certificate
	for _, fed := range descendants(doc.Root(), ns.WSFed0603, "Federation", true) {
		if m.IssuerURI == "" {
			for _, in := range descendants(fed, ns.WSFed0603, "IssuerName", false) {
				if u := strings.TrimSpace(in.SelectAttrValue("uri", "")); u != "" {
					m.IssuerURI = u
					break
				}
			}
		}
		for _, ki := range descendants(fed, ns.WSFed0603, "TokenSigningKeyInfo", false) {
			id := wsuID(ki)
			if id != CurrentCertID && id != PreviousCertID {
				continue
			}
			c, err := firstCert(ki)
			if err != nil {
				return nil, err
			}
			if id == CurrentCertID && cur == nil {
				cur = c
			} else if id == PreviousCertID && prev == nil {
				prev = c
			}
		}
		if m.TokenEndpoint == "" {
			m.TokenEndpoint = address(fed, "TargetServiceEndpoint")
		}
		if m.RedirectEndpoint == "" {
			m.RedirectEndpoint = address(fed, "WebRequestorRedirectEndpoint")
		}
	}
	switch {
	case m.IssuerURI == "":
		return nil, missing("IssuerName uri")
	case cur == nil:
		return nil, missing("current (stscer) token-signing certificate")
	case m.TokenEndpoint == "":
		return nil, missing("TargetServiceEndpoint address")
	case m.RedirectEndpoint == "":
		return nil, missing("WebRequestorRedirectEndpoint address")
	}
	m.Certs = rollover(cur, prev, now, logger)
	if len(m.Certs) == 0 {
		return nil, ErrNoValidCertificate
	}
	return &m, nil
}

// rollover orders the certificates as Exchange does: a "previous" one that
// outlives the current one is in fact the newer, and expired ones go.
func rollover(cur, prev *x509.Certificate, now time.Time, logger *slog.Logger) []*x509.Certificate {
	if prev != nil && prev.NotAfter.After(cur.NotAfter) {
		cur, prev = prev, cur
	}
	var out []*x509.Certificate
	for _, c := range []*x509.Certificate{cur, prev} {
		if c == nil {
			continue
		}
		if now.After(c.NotAfter) || now.Before(c.NotBefore) {
			logger.Warn("metadata: dropping a token-signing certificate outside its validity",
				"subject", c.Subject.String(), "notBefore", c.NotBefore, "notAfter", c.NotAfter)
			continue
		}
		out = append(out, c)
	}
	return out
}

func firstCert(ki *etree.Element) (*x509.Certificate, error) {
	certs := descendants(ki, ns.DSig, "X509Certificate", false)
	if len(certs) == 0 {
		return nil, missing("X509Certificate in TokenSigningKeyInfo " + wsuID(ki))
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(certs[0].Text()), ""))
	if err != nil {
		return nil, &fedavail.XMLError{Context: "federation metadata", Err: fmt.Errorf("certificate %s is not base64", wsuID(ki))}
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, &fedavail.XMLError{Context: "federation metadata", Err: fmt.Errorf("certificate %s: %w", wsuID(ki), err)}
	}
	return c, nil
}

// address returns the text of the first Address (in any WS-Addressing
// version) below the fed:name child of fed.
func address(fed *etree.Element, name string) string {
	for _, ep := range descendants(fed, ns.WSFed0603, name, false) {
		for _, a := range descendants(ep, "", "Address", false) {
			if s := strings.TrimSpace(a.Text()); s != "" {
				return s
			}
		}
	}
	return ""
}

func wsuID(el *etree.Element) string {
	for _, a := range el.Attr {
		if a.Key == "Id" && a.NamespaceURI() == ns.WSU {
			return a.Value
		}
	}
	return ""
}

// descendants returns the elements {space}local below el in document order
// (and el itself when self is true). An empty space matches any namespace.
func descendants(el *etree.Element, space, local string, self bool) []*etree.Element {
	var out []*etree.Element
	var walk func(e *etree.Element, include bool)
	walk = func(e *etree.Element, include bool) {
		if include && e.Tag == local && (space == "" || e.NamespaceURI() == space) {
			out = append(out, e)
		}
		for _, c := range e.ChildElements() {
			walk(c, true)
		}
	}
	walk(el, self)
	return out
}
