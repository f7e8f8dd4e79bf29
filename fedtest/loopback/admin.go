package loopback

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fedavail/fedavail/federation/admin"
)

// AdminOrg federates an organization the way its administrator does with
// fedadmin: a state directory with a new certificate, the domain's proof
// published in the World's DNS, and a trust with the World's broker. The
// organization serves nothing: it is the requesting side of the example
// commands and the subject of fedcheck. Add relationships with
// Org.AddRelationship.
func (w *World) AdminOrg(t testing.TB, domain string) *admin.Org {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "state")
	org, err := admin.Open(dir, &admin.Options{HTTPClient: w.HTTP, Resolver: w.DNS.Resolver(), Now: w.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.NewCertificate(ctx, admin.CertificateOptions{CommonName: domain}); err != nil {
		t.Fatal(err)
	}
	proofs, err := org.DomainProof(domain)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range proofs {
		w.DNS.AddTXT(domain, p.Proof)
	}
	if _, err := org.Trust(ctx, admin.TrustOptions{BrokerURL: w.BrokerURL, Domain: domain}); err != nil {
		t.Fatal(err)
	}
	return org
}
