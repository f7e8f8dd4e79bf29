package diag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/keyring"
)

// Step IDs of TestDomainProof.
const (
	StepDomainName      = "DomainName"
	StepDomainProof     = "DomainProof"
	StepNextDomainProof = "NextDomainProof"
)

// TestDomainProof checks that domain's TXT records carry the federated
// domain proof of the organization's current certificate, as the trust broker
// will look for it (Get-FederatedDomainProof computes the value; a broker
// checks it when the domain is added). When the proof is missing the step's
// Fix is the exact zone-file line to publish. During a rollover it checks the
// next certificate's proof too, so the domain stays proven after the switch.
func (c *Checker) TestDomainProof(ctx context.Context, domain string) *Report {
	r := &Report{Test: "Test-FederatedDomainProof", Subject: domain}
	name := r.add(StepDomainName, "Domain name")
	d, err := dnsproof.ValidateDomain(domain)
	if err != nil {
		name.fail(err.Error(), "not a valid domain name", "give the SMTP domain, e.g. contoso.com")
		r.skipRest("invalid domain", [2]string{StepDomainProof, "Domain proof in DNS"})
		return r
	}
	r.Subject = d
	switch {
	case len(c.Domains) == 0:
		name.skip("%s (the configuration lists no federated domains to compare with)", d)
	case slices.Contains(c.Domains, d):
		name.pass("%s is a federated domain of this organization", d)
	default:
		name.warn(d+" is not among the configured domains "+strings.Join(c.Domains, ", "),
			"the domain is not part of the federation trust yet",
			"add it (fedadmin domain add "+d+") once its proof is published")
	}

	s := r.add(StepDomainProof, "Domain proof in DNS")
	if c.Keys == nil {
		s.fail("no organization certificate configured", "the proof is computed from the organization key, which is not configured",
			"configure the organization certificate and key")
		return r
	}
	proofs, err := dnsproof.Proofs(c.Keys, d)
	if err != nil {
		s.fail(err.Error(), "the proof could not be computed from the organization key", "check the organization key")
		return r
	}
	cur, next := proofFor(proofs, keyring.Current), proofFor(proofs, keyring.Next)
	if cur == nil {
		s.fail("the current certificate has no private key", "the proof is a signature made with the organization key",
			"configure the key that belongs to the organization certificate")
		return r
	}
	v := &dnsproof.Verifier{Resolver: c.TXTResolver, Logger: c.Logger}
	c.verifyProof(ctx, s, v, d, *cur, "")
	if next != nil {
		n := r.add(StepNextDomainProof, "Domain proof of the next certificate")
		c.verifyProof(ctx, n, v, d, *next, "it is needed once the next certificate becomes current; ")
		if n.Status == Fail {
			n.Status = Warn
		}
	}
	return r
}

func proofFor(proofs []dnsproof.DomainProof, slot keyring.Slot) *dnsproof.DomainProof {
	for i := range proofs {
		if proofs[i].Name == slot {
			return &proofs[i]
		}
	}
	return nil
}

// verifyProof looks for one proof in DNS and explains what is wrong if it is
// not there. why prefixes the cause.
func (c *Checker) verifyProof(ctx context.Context, s *Step, v *dnsproof.Verifier, domain string, p dnsproof.DomainProof, why string) {
	line, lerr := dnsproof.ZoneLine(domain, p.Proof, 0)
	if lerr != nil {
		line = p.Proof
	}
	publish := "publish this TXT record at " + domain + ": " + line
	rec, err := v.Verify(ctx, domain, dnsproof.Expect{Proofs: []string{p.Proof}})
	var ve *dnsproof.VerifyError
	switch {
	case err == nil:
		s.pass("TXT record found for certificate %s (%s): %s", p.Thumbprint, p.Name, rec)
	case errors.Is(err, dnsproof.ErrNoSuchDomain):
		s.fail(err.Error(), why+"the domain does not exist in DNS: a typing mistake, or the zone is not delegated yet",
			"check the domain name; once the zone exists, "+publish)
	case errors.Is(err, dnsproof.ErrNoTXTRecord):
		s.fail(err.Error(), why+"TXT record missing", publish)
	case errors.Is(err, dnsproof.ErrMismatch) && errors.As(err, &ve):
		s.fail(fmt.Sprintf("found %q", ve.Found),
			why+"TXT record present but not matching: a proof of another certificate, an old record from before a rollover, or a pasting mistake",
			publish+" (the others may stay)")
	case errors.Is(err, dnsproof.ErrDNSFailure):
		s.fail(err.Error(), "DNS did not answer usefully (server failure or timeout)", "try again later; if it persists, check the domain's name servers")
	default:
		s.fail(err.Error(), "the lookup failed", publish)
	}
}
