package admin

import (
	"strings"

	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/pslist"
)

// trustKeys are printed in this order, with Get-FederationTrust's names
// where it has the property.
var trustKeys = []string{
	"Name", "TokenIssuerType", "ApplicationIdentifier", "ApplicationUri", "AccountNamespace", "Domains",
	"OrgPrivCertificate", "OrgNextPrivCertificate", "OrgPrevPrivCertificate",
	"TokenIssuerUri", "TokenIssuerEpr", "TokenIssuerMetadataEpr", "TokenIssuerCertificate", "TokenIssuerPrevCertificate",
	"Enabled", // Get-FederatedOrganizationIdentifier's
}

// FormatTrust writes a trust and the organization certificates as
// Get-FederationTrust | Format-List does, certificates by thumbprint.
func FormatTrust(tc *TrustConfig, certs []Certificate) string {
	v := map[string]string{
		"Name":                       "fedavail trust broker",
		"TokenIssuerType":            "fedavail (not the Microsoft Federation Gateway)",
		"ApplicationIdentifier":      tc.ApplicationIdentifier,
		"ApplicationUri":             tc.ApplicationURI,
		"AccountNamespace":           tc.AccountNamespace,
		"Domains":                    "{" + strings.Join(tc.Domains, ", ") + "}",
		"TokenIssuerUri":             tc.TokenIssuerURI,
		"TokenIssuerEpr":             tc.TokenIssuerEpr,
		"TokenIssuerMetadataEpr":     tc.TokenIssuerMetadataEpr,
		"TokenIssuerCertificate":     tc.TokenIssuerCertificate,
		"TokenIssuerPrevCertificate": tc.TokenIssuerPrevCertificate,
		"Enabled":                    pslistBool(!tc.Disabled),
	}
	for _, c := range certs {
		switch c.Slot {
		case keyring.Current:
			v["OrgPrivCertificate"] = c.Thumbprint
		case keyring.Next:
			v["OrgNextPrivCertificate"] = c.Thumbprint
		case keyring.Previous:
			v["OrgPrevPrivCertificate"] = c.Thumbprint
		}
	}
	if isGateway(tc.Protocol) {
		v["TokenIssuerType"] = "ManageDelegation2 gateway at " + tc.RegistrationEpr
	}
	return pslist.Format(trustKeys, v)
}

// TrustShow returns the trust as [FormatTrust] prints it.
func (o *Org) TrustShow() (string, error) {
	tc, err := o.TrustConfig()
	if err != nil {
		return "", err
	}
	return FormatTrust(tc, o.Certificates()), nil
}

// FormatDomainProofs writes proofs as Get-FederatedDomainProof | Format-List
// does, with the zone-file line to publish as DnsRecord.
func FormatDomainProofs(ps []DomainProof) string {
	keys := []string{"DomainName", "Name", "Thumbprint", "Proof", "DnsRecord"}
	blocks := make([]string, len(ps))
	for i, p := range ps {
		blocks[i] = pslist.Format(keys, map[string]string{
			"DomainName": p.DomainName, "Name": string(p.Name), "Thumbprint": p.Thumbprint,
			"Proof": p.Proof, "DnsRecord": p.DNSRecord,
		})
	}
	return strings.Join(blocks, "\n")
}

// pslistBool is a boolean as Format-List shows it.
func pslistBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
