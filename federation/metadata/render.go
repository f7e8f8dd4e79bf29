package metadata

import (
	"crypto/x509"
	"encoding/base64"
	"errors"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail/internal/ns"
)

// Render writes m as a 2006-12 federation metadata document that [Parse]
// and Exchange read: Certs[0] as the current ("stscer") certificate and
// Certs[1], if any, as the previous ("stsbcer") one.
func Render(m *Metadata) ([]byte, error) {
	if m.IssuerURI == "" || len(m.Certs) == 0 || m.TokenEndpoint == "" || m.RedirectEndpoint == "" {
		return nil, errors.New("metadata: Render needs IssuerURI, Certs, TokenEndpoint and RedirectEndpoint")
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="utf-8"`)
	root := doc.CreateElement("fed:FederationMetadata")
	for _, d := range [][2]string{{"fed", ns.WSFed0603}, {"wsu", ns.WSU}, {"wsse", ns.WSSE}, {"ds", ns.DSig}, {"wsa", ns.WSA}} {
		root.CreateAttr("xmlns:"+d[0], d[1])
	}
	fed := root.CreateElement("fed:Federation")
	addCert(fed, CurrentCertID, m.Certs[0])
	if len(m.Certs) > 1 {
		addCert(fed, PreviousCertID, m.Certs[1])
	}
	fed.CreateElement("fed:IssuerNamesOffered").CreateElement("fed:IssuerName").CreateAttr("uri", m.IssuerURI)
	fed.CreateElement("fed:TargetServiceEndpoint").CreateElement("wsa:Address").SetText(m.TokenEndpoint)
	fed.CreateElement("fed:WebRequestorRedirectEndpoint").CreateElement("wsa:Address").SetText(m.RedirectEndpoint)
	doc.Indent(2)
	return doc.WriteToBytes()
}

func addCert(fed *etree.Element, id string, c *x509.Certificate) {
	ki := fed.CreateElement("fed:TokenSigningKeyInfo")
	ki.CreateAttr("wsu:Id", id)
	ki.CreateElement("wsse:SecurityTokenReference").CreateElement("ds:X509Data").
		CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
}
