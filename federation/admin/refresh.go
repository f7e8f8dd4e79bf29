package admin

import (
	"context"
	"fmt"

	"github.com/fedavail/fedavail/dnsproof"
)

// RefreshTrust reads the trust broker's federation metadata again and
// stores what it says now, as Set-FederationTrust -RefreshMetadata: the
// token endpoint and the signing certificates, which change when the broker
// rolls its signing certificate over. It returns the trust before and
// after. Metadata naming another issuer is refused: that is another broker,
// whose trust is made with Defederate and Trust.
func (o *Org) RefreshTrust(ctx context.Context) (before, after *TrustConfig, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.ready(true)
	if err != nil {
		return nil, nil, err
	}
	md, err := o.fetchMetadata(ctx, s.Trust.TokenIssuerMetadataEpr)
	if err != nil {
		return nil, nil, err
	}
	if md.IssuerURI != s.Trust.TokenIssuerURI {
		return nil, nil, fail(ErrRefused, nil, fmt.Sprintf("the metadata at %s names issuer %s, the trust was made with %s", s.Trust.TokenIssuerMetadataEpr, md.IssuerURI, s.Trust.TokenIssuerURI),
			"that is another trust broker: run defederate, then trust it")
	}
	old := *s.Trust
	s.Trust.TokenIssuerEpr = md.TokenEndpoint
	s.Trust.TokenIssuerCertificate = dnsproof.Thumbprint(md.Certs[0])
	s.Trust.TokenIssuerPrevCertificate = ""
	if len(md.Certs) > 1 {
		s.Trust.TokenIssuerPrevCertificate = dnsproof.Thumbprint(md.Certs[1])
	}
	if err := o.saveState(s); err != nil {
		return nil, nil, err
	}
	o.log.InfoContext(ctx, "admin: federation trust refreshed", "broker", s.Trust.BrokerURL, "certificate", s.Trust.TokenIssuerCertificate)
	now := *s.Trust
	return &old, &now, nil
}
