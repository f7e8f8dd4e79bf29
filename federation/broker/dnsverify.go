package broker

import (
	"context"
	"crypto/x509"

	"github.com/fedavail/fedavail/dnsproof"
)

// DNSVerifier is the [DomainVerifier] a broker normally uses: it accepts a
// domain only when the domain's federated domain proof is in DNS.
//
// The broker holds only the organization's certificates, from which no proof
// can be computed, so the organization presents its raw signature over each
// domain with the registration request ([Registration].DomainSignatures,
// made by dnsproof.Sign). The verifier checks every presented signature
// against the certificates being registered (current and next) — a
// signature made with another key is refused with a *dnsproof.SignatureError
// — hashes it into the proof, and then looks for that proof, or the legacy
// "AppID=<AppID>" record, among the domain's TXT records; a failure is a
// *dnsproof.VerifyError saying whether the name is missing, has no TXT record
// or only others.
type DNSVerifier struct {
	// Verifier looks the records up; nil means a zero dnsproof.Verifier
	// (the system resolver).
	Verifier *dnsproof.Verifier
}

var _ SignedDomainVerifier = DNSVerifier{}

// VerifyDomain implements [DomainVerifier]: without signatures only the
// legacy "AppID=<AppID>" record can prove the domain.
func (v DNSVerifier) VerifyDomain(ctx context.Context, domain string, org *Organization) error {
	return v.VerifyDomainSignatures(ctx, domain, org, nil)
}

// VerifyDomainSignatures implements [SignedDomainVerifier].
func (v DNSVerifier) VerifyDomainSignatures(ctx context.Context, domain string, org *Organization, signatures [][]byte) error {
	cur, next, err := org.Certificates()
	if err != nil {
		return err
	}
	id := dnsproof.OrgIdentity{AppID: org.AppID, Signatures: signatures}
	for _, c := range []*x509.Certificate{cur, next} {
		if c != nil {
			id.Certificates = append(id.Certificates, c)
		}
	}
	dv := v.Verifier
	if dv == nil {
		dv = &dnsproof.Verifier{}
	}
	return dv.VerifyDomain(ctx, domain, id)
}
