package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
)

// DomainProof is one line of Get-FederatedDomainProof: a domain's proof for
// one certificate, and the record to publish.
type DomainProof struct {
	dnsproof.DomainProof
	// DNSRecord is the zone-file line to publish, e.g.
	// `contoso.com. 3600 IN TXT "…"`.
	DNSRecord string
}

// DomainProof returns the TXT records that prove domain, as
// Get-FederatedDomainProof prints them: for the current certificate and,
// during a rollover, the next one (publish both, so the domain stays proven
// across the switch) and the previous one. It needs only the certificates,
// not the trust.
func (o *Org) DomainProof(domain string) ([]DomainProof, error) {
	d, err := o.domainArg(domain)
	if err != nil {
		return nil, err
	}
	ring := o.Keys()
	if ring == nil {
		return nil, fail(ErrNoCertificate, nil, fmt.Sprintf("%s has no organization certificate", o.dir), "run new-cert first")
	}
	ps, err := dnsproof.Proofs(ring, d)
	if err != nil {
		return nil, fail(ErrInvalid, err, "compute the domain proof", "")
	}
	out := make([]DomainProof, len(ps))
	for i, p := range ps {
		line, _ := dnsproof.ZoneLine(d, p.Proof, 0) // d is valid
		out[i] = DomainProof{DomainProof: p, DNSRecord: line}
	}
	return out, nil
}

// checkProof looks in DNS for the proof of domain by one of pairs (or,
// when appID is set, the legacy "AppID=<appID>" record of seed 002), and
// turns a miss into the record to publish.
func (o *Org) checkProof(ctx context.Context, domain string, pairs []keyring.Pair, appID string) error {
	id := dnsproof.OrgIdentity{AppID: appID}
	for _, p := range pairs {
		sig, err := dnsproof.Sign(p.Key, domain)
		if err != nil {
			return fail(ErrInvalid, err, "sign the domain", "")
		}
		id.Certificates = append(id.Certificates, p.Cert)
		id.Signatures = append(id.Signatures, sig)
	}
	v := dnsproof.Verifier{Resolver: o.opts.Resolver, Logger: o.log}
	err := v.VerifyDomain(ctx, domain, id)
	if err == nil {
		return nil
	}
	want, _ := dnsproof.ZoneLine(domain, dnsproof.ProofFromSignature(id.Signatures[0]), 0)
	publish := fmt.Sprintf("publish %s and retry (DNS changes can take time)", want)
	switch {
	case errors.Is(err, dnsproof.ErrNoTXTRecord):
		return failQuiet(ErrProofMissing, err, fmt.Sprintf("TXT record for %s not found yet", domain), publish)
	case errors.Is(err, dnsproof.ErrMismatch):
		return failQuiet(ErrProofMissing, err, fmt.Sprintf("no TXT record of %s carries the proof of certificate %s", domain, dnsproof.Thumbprint(pairs[0].Cert)),
			"if one is an old proof of another certificate, replace it: "+publish)
	case errors.Is(err, dnsproof.ErrNoSuchDomain):
		return failQuiet(ErrUnknownDomain, err, fmt.Sprintf("%s does not exist in DNS", domain), "check the spelling; once the zone exists, "+publish)
	case errors.Is(err, dnsproof.ErrDNSFailure):
		return fail(ErrProofMissing, err, fmt.Sprintf("DNS lookup of %s failed", domain), "check the resolver and retry later")
	}
	return fail(ErrProofMissing, err, fmt.Sprintf("cannot verify the proof of %s", domain), publish)
}

// registeredPairs are the pairs the broker lists for the organization:
// current, and next during a rollover or, after the switch until the
// rollover is finished, previous (so requests signed just before the
// switch are still accepted).
func registeredPairs(set *keyring.Set) []keyring.Pair {
	ps := []keyring.Pair{set.Current}
	switch {
	case set.Next != nil:
		ps = append(ps, *set.Next)
	case set.Previous != nil:
		ps = append(ps, *set.Previous)
	}
	return ps
}

// registration is what the broker is asked to record: the registered
// certificates and, for every domain, a signature by each of their keys.
func registration(set *keyring.Set, appURI string, domains []string) broker.Registration {
	ps := registeredPairs(set)
	reg := broker.Registration{ApplicationURI: appURI, Domains: domains, Current: ps[0].Cert, DomainSignatures: map[string][][]byte{}}
	if len(ps) > 1 {
		reg.Next = ps[1].Cert
	}
	for _, d := range domains {
		for _, p := range ps {
			// Signing cannot fail with a key that signed before; a failure
			// leaves the domain without evidence and the broker says so.
			if sig, err := dnsproof.Sign(p.Key, d); err == nil {
				reg.DomainSignatures[d] = append(reg.DomainSignatures[d], sig)
			}
		}
	}
	return reg
}

// AddDomain federates one more domain, as Add-FederatedDomain: only once
// its proof is visible in DNS, then at the broker, then locally. Each
// domain needs its own proof ([Org.DomainProof]).
func (o *Org) AddDomain(ctx context.Context, domain string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, d, err := o.readyForDomain(domain)
	if err != nil {
		return err
	}
	if _, err := o.federatedArg(d); err != nil {
		return err
	}
	if slices.Contains(s.Trust.Domains, d) {
		return fail(ErrDomainExists, nil, fmt.Sprintf("%s is already a federated domain", d), "nothing to do (domain-proof shows its record)")
	}
	set := o.ring.Snapshot()
	// Once the broker has assigned the AppID, the legacy record proves a
	// domain too, as the broker itself accepts it.
	if err := o.checkProof(ctx, d, registeredPairs(set), s.Trust.ApplicationIdentifier); err != nil {
		return err
	}
	return o.setDomains(ctx, s, append(slices.Clone(s.Trust.Domains), d))
}

// RemoveDomain stops federating a domain, as Remove-FederatedDomain. The
// account namespace's domain stays while the trust does: use
// [Org.Defederate] to end federation.
func (o *Org) RemoveDomain(ctx context.Context, domain string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, d, err := o.readyForDomain(domain)
	if err != nil {
		return err
	}
	i := slices.Index(s.Trust.Domains, d)
	switch {
	case i < 0:
		return fail(ErrUnknownDomain, nil, fmt.Sprintf("%s is not a federated domain (federated: %s)", d, strings.Join(s.Trust.Domains, ", ")), "check the spelling")
	case i == 0:
		return fail(ErrInvalid, nil, fmt.Sprintf("%s names the account namespace %s and cannot be removed alone", d, s.Trust.AccountNamespace), "run defederate to end federation")
	}
	return o.setDomains(ctx, s, slices.Delete(slices.Clone(s.Trust.Domains), i, i+1))
}

// readyForDomain is the check AddDomain and RemoveDomain start with: the
// trust exists (o.ready) and domain is a domain name, returned in its
// normalized form. The caller holds o.mu.
func (o *Org) readyForDomain(domain string) (*state, string, error) {
	s, err := o.ready(true)
	if err != nil {
		return nil, "", err
	}
	d, err := o.domainArg(domain)
	if err != nil {
		return nil, "", err
	}
	return s, d, nil
}

// setDomains records domains at the broker, then locally. A crash between
// the two is repaired by running the same operation again: the broker's
// update is idempotent.
func (o *Org) setDomains(ctx context.Context, s *state, domains []string) error {
	reg := registration(o.ring.Snapshot(), s.Trust.ApplicationURI, domains)
	if _, err := o.regClient(s.Trust).Update(ctx, reg); err != nil {
		return o.brokerErr(err, s.Trust)
	}
	s.Trust.Domains = domains
	if err := o.saveState(s); err != nil {
		return err
	}
	o.log.InfoContext(ctx, "admin: federated domains changed", "domains", strings.Join(domains, ","))
	return nil
}
