package diag

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// maxMetadataBytes bounds the metadata document, as package metadata does.
const maxMetadataBytes = 1 << 20

// fetchMetadata gets the broker's metadata document.
func fetchMetadata(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := xmlguard.ReadAll(resp.Body, xmlguard.Limits{MaxBytes: maxMetadataBytes})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, &fedavail.HTTPError{Method: req.Method, URL: u, StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header,
			Body: data[:min(len(data), fedavail.MaxErrorBody)]}
	}
	return data, nil
}

// publishedCert is a token-signing certificate as the document lists it,
// whether or not it is valid now.
type publishedCert struct {
	id   string // metadata.CurrentCertID or metadata.PreviousCertID
	cert *x509.Certificate
}

// publishedCerts lists the document's token-signing certificates including
// expired ones, which metadata.Parse drops: an administrator needs to see
// when they expired. The document has already passed metadata.Parse's checks
// or failed them with ErrNoValidCertificate, so malformed parts are skipped.
func publishedCerts(data []byte) []publishedCert {
	doc, err := xmlguard.ParseEtree(data, xmlguard.Limits{MaxBytes: maxMetadataBytes}, "federation metadata")
	if err != nil {
		return nil
	}
	var out []publishedCert
	for _, ki := range doc.FindElements("//TokenSigningKeyInfo") {
		id := ki.SelectAttrValue("wsu:Id", ki.SelectAttrValue("Id", ""))
		if id != metadata.CurrentCertID && id != metadata.PreviousCertID {
			continue
		}
		if c := firstX509(ki); c != nil {
			out = append(out, publishedCert{id: id, cert: c})
		}
	}
	return out
}

func firstX509(el *etree.Element) *x509.Certificate {
	x := el.FindElement(".//X509Certificate")
	if x == nil {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(x.Text()), ""))
	if err != nil {
		return nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return c
}

// certSummary names a certificate for a person: subject, thumbprint and
// validity.
func certSummary(c *x509.Certificate) string {
	return fmt.Sprintf("%s, thumbprint %s, valid %s to %s", c.Subject.String(), thumbprint(c),
		c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02"))
}
