package federation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/sharing"
)

// partner is what is known about reaching one partner domain for one query.
type partner struct {
	domain   string
	rel      sharing.OrganizationRelationship
	audience string
	// autodiscover is the endpoint for GetUserSettings, "" to use
	// rel.TargetSharingEpr instead.
	autodiscover string
}

// resolvePartner finds the partner's application URI and the way to its EWS
// URLs, in Exchange's order: the relationship's TargetSharingEpr, else its
// TargetAutodiscoverEpr, else the endpoint that answered
// GetFederationInformation. Federation information is fetched (and the
// partner's token issuers checked against the broker) when the relationship
// lacks the application URI or any endpoint.
func (c *Client) resolvePartner(ctx context.Context, domain string, rel sharing.OrganizationRelationship) (*partner, Step, error) {
	p := &partner{domain: domain, rel: rel, audience: strings.TrimSpace(rel.TargetApplicationURI)}
	if rel.TargetSharingEpr == "" {
		p.autodiscover = rel.TargetAutodiscoverEpr
	}
	if p.audience != "" && (rel.TargetSharingEpr != "" || rel.TargetAutodiscoverEpr != "") {
		return p, "", nil
	}
	fi, err := c.fedinfo.GetFederationInformation(ctx, domain)
	if err != nil {
		return nil, StepDiscovery, err
	}
	md, err := c.broker.get(ctx)
	if err != nil {
		return nil, StepToken, err
	}
	if err := checkIssuer(domain, fi, md.IssuerURI); err != nil {
		return nil, StepDiscovery, err
	}
	c.log.DebugContext(ctx, "federation: federation information", "domain", domain, "application_uri", fi.ApplicationURI, "endpoint", fi.Endpoint)
	if p.audience == "" {
		p.audience = fi.ApplicationURI
	}
	if p.autodiscover == "" && rel.TargetSharingEpr == "" {
		p.autodiscover = fi.Endpoint
	}
	return p, "", nil
}

// checkIssuer refuses a partner that does not list our broker among its
// token issuers, as Exchange's EnforceCommonTokenIssuer does: its servers
// would refuse our tokens.
func checkIssuer(domain string, fi *autodiscover.FederationInformation, ours string) error {
	accepted := make([]string, 0, len(fi.TokenIssuers))
	for _, ti := range fi.TokenIssuers {
		if strings.EqualFold(strings.TrimSpace(ti.URI), ours) {
			return nil
		}
		accepted = append(accepted, ti.URI)
	}
	return &UntrustedBrokerError{Domain: domain, Broker: ours, Accepted: accepted}
}

// ewsEndpoint is a mailbox's EWS URL and the ExternalEwsVersion its
// partner's Autodiscover gave with it ("" when unknown).
type ewsEndpoint struct {
	url, version string
}

// ewsURLs returns each mailbox's EWS endpoint, from the cache or from the
// partner's Autodiscover (GetUserSettings with a token for the Autodiscover
// offer). errs[i] is set for a mailbox without one; err for a request that
// failed as a whole, with the step it failed at.
func (c *Client) ewsURLs(ctx context.Context, p *partner, from string, mailboxes []string) (urls []ewsEndpoint, errs []error, step Step, err error) {
	urls = make([]ewsEndpoint, len(mailboxes))
	errs = make([]error, len(mailboxes))
	if p.rel.TargetSharingEpr != "" {
		for i := range urls {
			urls[i] = ewsEndpoint{url: p.rel.TargetSharingEpr}
		}
		return urls, errs, "", nil
	}
	var ask []string
	var at []int
	for i, m := range mailboxes {
		if u, ok := c.endpoints.get(strings.ToLower(m)); ok {
			urls[i] = u
			continue
		}
		ask = append(ask, m)
		at = append(at, i)
	}
	if len(ask) == 0 {
		return urls, errs, "", nil
	}
	ad := c.autodiscoverClient(p.autodiscover, stepTokens{c.tokens}, from, p.audience)
	rs, err := ad.GetUserSettings(ctx, ask, autodiscover.ExternalEwsURL, autodiscover.ExternalEwsVersion)
	if err != nil {
		return nil, nil, stepOf(err, StepDiscovery), err
	}
	for j, r := range rs {
		i := at[j]
		switch u := r.Settings.Value(autodiscover.ExternalEwsURL); {
		case r.Err != nil:
			errs[i] = r.Err
		case u == "":
			errs[i] = fmt.Errorf("federation: %s: Autodiscover at %s has no %s for the mailbox", mailboxes[i], r.Endpoint, autodiscover.ExternalEwsURL)
		default:
			urls[i] = ewsEndpoint{url: u, version: r.Settings.Value(autodiscover.ExternalEwsVersion)}
			c.endpoints.put(strings.ToLower(mailboxes[i]), urls[i])
			c.log.DebugContext(ctx, "federation: EWS URL discovered", "mailbox", mailboxes[i], "ews_url", u, "autodiscover", r.Endpoint)
		}
	}
	return urls, errs, "", nil
}

// stepTokens marks the errors of a token source, so that a failure inside an
// Autodiscover or EWS call is reported at StepToken.
type stepTokens struct{ src fedavail.TokenSource }

type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

func (s stepTokens) Token(ctx context.Context, req fedavail.TokenRequest) (*fedavail.Token, error) {
	t, err := s.src.Token(ctx, req)
	if err != nil {
		return nil, &tokenError{err}
	}
	return t, nil
}

// stepOf returns StepToken for errors of the token source, else def.
func stepOf(err error, def Step) Step {
	var te *tokenError
	if errors.As(err, &te) {
		return StepToken
	}
	return def
}

// ewsVersion is the RequestServerVersion to send to a partner's EWS: the
// relationship's TargetEwsVersion, else Config.EWSVersion, else what
// Exchange's availability proxy sends with a delegation token
// (ProxyWebRequest.cs): Exchange2012 to servers of version 15 or later,
// Exchange2009 to older ones, and, here, to servers of unknown version.
func (c *Client) ewsVersion(rel sharing.OrganizationRelationship, externalEwsVersion string) ews.Version {
	if v := strings.TrimSpace(rel.TargetEwsVersion); v != "" {
		return ews.Version(v)
	}
	if c.cfg.EWSVersion != "" {
		return c.cfg.EWSVersion
	}
	major, _, _ := strings.Cut(strings.TrimSpace(externalEwsVersion), ".")
	if n, err := strconv.Atoi(major); err == nil && n >= 15 {
		return ews.Exchange2012
	}
	return ews.Exchange2009
}
