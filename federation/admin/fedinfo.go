package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fedavail/fedavail/autodiscover"
)

// wsSecurity is the suffix of an Autodiscover endpoint's token-authenticated
// variant, the one an organization relationship's TargetAutodiscoverEpr
// names.
const wsSecurity = "/WSSecurity"

// FederationInformation asks the Autodiscover service of domain, a
// partner's, for its federation information, as Get-FederationInformation
// -DomainName does, for [NewRelationship]: the partner's application URI,
// all its federated domains and the /WSSecurity variant of the Autodiscover
// endpoint that answered. The request is anonymous and goes through
// Options.HTTPClient; discovery's SRV look-ups use Options.Resolver when it
// has a LookupSRV method (as *net.Resolver does), else the system resolver.
func (o *Org) FederationInformation(ctx context.Context, domain string) (FederationInformation, error) {
	return o.FederationInformationAt(ctx, domain, "")
}

// FederationInformationAt is [Org.FederationInformation] asking the
// Autodiscover service at endpoint (its /WSSecurity variant is accepted)
// instead of discovering it from the domain: for a partner whose
// administrator gave its Autodiscover URL, or whose service is not at the
// well-known host names and port. An empty endpoint discovers it.
func (o *Org) FederationInformationAt(ctx context.Context, domain, endpoint string) (FederationInformation, error) {
	d, err := o.domainArg(domain)
	if err != nil {
		return FederationInformation{}, err
	}
	if o.opts.HTTPClient == nil {
		return FederationInformation{}, fail(ErrInvalid, nil, "no HTTP client configured", "set Options.HTTPClient")
	}
	c := &autodiscover.Client{HTTPClient: o.opts.HTTPClient, Resolver: o.srvResolver(), CacheTTL: -1, Logger: o.log, Now: o.opts.Now,
		Endpoint: strings.TrimSuffix(endpoint, wsSecurity)}
	fi, err := c.GetFederationInformation(ctx, d)
	if err != nil {
		return FederationInformation{}, partnerErr(d, err)
	}
	if strings.TrimSpace(fi.ApplicationURI) == "" {
		return FederationInformation{}, fail(ErrNotFederated, nil, fmt.Sprintf("the Autodiscover service of %s at %s names no application URI", d, fi.Endpoint),
			fmt.Sprintf("ask %s's administrator to create a federation trust, then retry", d))
	}
	out := FederationInformation{
		ApplicationURI:        fi.ApplicationURI,
		DomainNames:           slices.Clone(fi.Domains),
		TargetAutodiscoverEpr: wsSecurityEndpoint(fi.Endpoint),
	}
	if !slices.ContainsFunc(out.DomainNames, func(x string) bool { return strings.EqualFold(x, d) }) {
		// Exchange lists the domain asked about among the federated ones;
		// keep it so the relationship covers the domain the administrator named.
		out.DomainNames = append([]string{d}, out.DomainNames...)
	}
	for _, ti := range fi.TokenIssuers {
		out.TokenIssuerURIs = append(out.TokenIssuerURIs, ti.URI)
	}
	o.log.InfoContext(ctx, "admin: federation information", "domain", d, "application_uri", out.ApplicationURI, "endpoint", fi.Endpoint)
	return out, nil
}

// wsSecurityEndpoint returns the token-authenticated variant of an
// Autodiscover endpoint.
func wsSecurityEndpoint(endpoint string) string {
	endpoint = strings.TrimSuffix(endpoint, "/")
	if strings.HasSuffix(strings.ToLower(endpoint), strings.ToLower(wsSecurity)) {
		return endpoint
	}
	return endpoint + wsSecurity
}

// partnerErr turns a failed Get-FederationInformation into advice.
func partnerErr(domain string, err error) error {
	explicit := "or create the relationship with the values the partner's administrator gives you (-app-uri, -domains, -autodiscover)"
	var de *autodiscover.DiscoveryError
	switch {
	case errors.Is(err, autodiscover.ErrNotFederated):
		return failQuiet(ErrNotFederated, err, fmt.Sprintf("%s is not federated (its Autodiscover service answered NotFederated)", domain),
			fmt.Sprintf("ask %s's administrator to create a federation trust, then retry", domain))
	case errors.Is(err, autodiscover.ErrInvalidDomain):
		return failQuiet(ErrNotFederated, err, fmt.Sprintf("%s is not a federated domain of the organization whose Autodiscover service answered (InvalidDomain)", domain),
			fmt.Sprintf("check the spelling, or ask %s's administrator which of its domains is federated and retry with that one", domain))
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fail(ErrPartnerUnreachable, err, fmt.Sprintf("the Autodiscover service of %s did not answer in time", domain), "retry, "+explicit)
	case errors.As(err, &de):
		tried := make([]string, len(de.Attempts))
		for i, a := range de.Attempts {
			tried[i] = fmt.Sprintf("%s: %v", a.URL, a.Err)
		}
		return failQuiet(ErrPartnerUnreachable, err, fmt.Sprintf("no Autodiscover service answered for %s (tried %s)", domain, strings.Join(tried, "; ")),
			fmt.Sprintf("check the domain's spelling and that https://autodiscover.%s is reachable from here, %s", domain, explicit))
	}
	return fail(ErrPartnerUnreachable, err, fmt.Sprintf("the Autodiscover service of %s gave no usable answer", domain), "retry later, "+explicit)
}
