package diag

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/sharing"
)

// Step IDs of TestOrganizationRelationship.
const (
	StepRelationship        = "OrganizationRelationship"
	StepApplicationURIMatch = "TargetApplicationUri"
	StepTokenIssuerMatch    = "TokenIssuer"
	StepPartnerToken        = "DelegationToken"
	StepUserSettings        = "UserSettings"
	StepAvailability        = "FreeBusy"
	StepPartnerRelationship = "PartnerRelationship"
)

// TestOrganizationRelationship checks that the organization can ask the
// partner of one organization relationship for free/busy, as Exchange's
// Test-OrganizationRelationship checks the configuration and Microsoft's
// Remote Connectivity Analyzer then tries the real thing:
//
//  1. our relationship (by name, or by a partner domain) exists, is enabled,
//     has free/busy access on, and covers mailbox's domain;
//  2. the partner's federation information can be fetched; its application
//     URI is the relationship's TargetApplicationUri and its trust brokers
//     include ours;
//  3. our broker issues a delegation token for the partner;
//  4. the partner's Autodiscover, given that token, names mailbox's EWS URL
//     (skipped when the relationship sets TargetSharingEpr);
//  5. the partner's EWS answers GetUserAvailability for mailbox.
//
// Free/busy needs an organization relationship on both sides, and only the
// partner can see its own. A refusal (ErrorNoFreeBusyAccess, or HTTP 401
// for a token our broker issued to the right audience) is therefore reported
// as the partner missing its relationship for our domain, the usual reason.
//
// mailbox is a partner mailbox to look up; tokens are requested on behalf of
// Checker.Requester.
func (c *Checker) TestOrganizationRelationship(ctx context.Context, relationship, mailbox string) *Report {
	r := &Report{Test: "Test-OrganizationRelationship", Subject: relationship}
	rel, ok := c.checkRelationship(r, relationship, mailbox)
	later := [][2]string{
		{StepAutodiscoverEndpoint, "Partner's Autodiscover endpoint"},
		{StepApplicationURIMatch, "Partner's application URI"},
		{StepTokenIssuerMatch, "Partner accepts our trust broker"},
		{StepPartnerToken, "Delegation token for the partner"},
		{StepUserSettings, "Partner's EWS URL for the mailbox"},
		{StepAvailability, "Free/busy from the partner"},
		{StepPartnerRelationship, "Partner's relationship for our domain"},
	}
	if !ok {
		r.skipRest("our relationship is not usable", later...)
		return r
	}
	hc, err := c.httpClient()
	if err != nil {
		r.add(StepAutodiscoverEndpoint, "Partner's Autodiscover endpoint").fail(err.Error(),
			"the HTTP client could not be built from the configuration", "fix the proxy or TLS settings")
		return r
	}
	partner := fedavail.AddressDomain(mailbox)

	// 2. What the partner publishes, reached as the relationship says.
	fi := c.federationInformation(ctx, r, hc, partner, rel.TargetAutodiscoverEpr)
	if fi == nil {
		r.skipRest("no federation information", later[1:]...)
		return r
	}
	app := r.add(StepApplicationURIMatch, "Partner's application URI")
	if !strings.EqualFold(fi.ApplicationURI, rel.TargetApplicationURI) {
		app.fail(fmt.Sprintf("partner publishes %q, our relationship has TargetApplicationUri %q", fi.ApplicationURI, rel.TargetApplicationURI),
			"our relationship's TargetApplicationUri is out of date or mistyped: tokens would be addressed to another organization",
			fmt.Sprintf("set TargetApplicationUri of relationship %q to %s", rel.Name, fi.ApplicationURI))
		r.skipRest("wrong application URI", later[2:]...)
		return r
	}
	app.pass("%s", fi.ApplicationURI)

	md, err := c.brokerMetadata(ctx, hc)
	iss := r.add(StepTokenIssuerMatch, "Partner accepts our trust broker")
	if err != nil {
		iss.explain(reachProblem("our trust broker's metadata", c.MetadataURL, err))
		r.skipRest("our broker's metadata is unusable", later[3:]...)
		return r
	}
	if !acceptsIssuer(fi, md.IssuerURI) {
		iss.fail(fmt.Sprintf("we use %s; the partner accepts %s", md.IssuerURI, issuerList(fi)),
			"the partner federates through another trust broker than ours: it cannot accept our tokens",
			"both organizations must federate through the same trust broker")
		r.skipRest("different trust brokers", later[3:]...)
		return r
	}
	iss.pass("%s", md.IssuerURI)

	// 3. A token for the partner.
	broker := c.brokerClient(hc, md)
	tr := r.add(StepPartnerToken, "Delegation token for the partner")
	req := fedavail.TokenRequest{Requester: c.requester(), Audience: rel.TargetApplicationURI, Offer: fedavail.OfferFreeBusy}
	tok, err := broker.Token(ctx, req)
	if err != nil {
		tr.explain(tokenProblem(md.TokenEndpoint, rel.TargetApplicationURI, err))
		r.skipRest("no token", later[4:]...)
		return r
	}
	tr.pass("issued for %s on behalf of %s", rel.TargetApplicationURI, req.Requester)

	// 4. The partner's EWS URL.
	ewsURL := c.partnerEWS(ctx, r, hc, broker, rel, fi, mailbox)
	if ewsURL == "" {
		r.skipRest("no EWS URL", later[5:]...)
		return r
	}

	// 5. Free/busy, and what a refusal says about the partner's side.
	probe := c.Availability
	if probe == nil {
		probe = defaultProbe(hc, c.now, c.Logger)
	}
	code, err := probe(ctx, ewsURL, tok, mailbox)
	c.explainAvailability(r, ewsURL, mailbox, code, err)
	return r
}

// checkRelationship finds our relationship by name (or, failing that, by a
// domain given as the name) and checks it can be used for mailbox's domain.
func (c *Checker) checkRelationship(r *Report, name, mailbox string) (sharing.OrganizationRelationship, bool) {
	s := r.add(StepRelationship, "Our organization relationship")
	partner := fedavail.AddressDomain(mailbox)
	if partner == "" {
		s.fail(fmt.Sprintf("%q is not an e-mail address", mailbox), "a partner mailbox is needed to test with",
			"give the address of a mailbox at the partner")
		return sharing.OrganizationRelationship{}, false
	}
	if c.Sharing == nil {
		s.fail("no sharing configuration", "the configuration has no organization relationships",
			"create a sharing configuration with a relationship for "+partner)
		return sharing.OrganizationRelationship{}, false
	}
	cfg := c.Sharing.Config()
	var rel *sharing.OrganizationRelationship
	for i, o := range cfg.OrganizationRelationships {
		if strings.EqualFold(o.Name, name) || (rel == nil && slices.Contains(o.DomainNames, strings.ToLower(name))) {
			rel = &cfg.OrganizationRelationships[i]
		}
	}
	create := fmt.Sprintf("create one from the partner's federation information: fedadmin relationship add %q -domain %s -level AvailabilityOnly "+
		"(check it first with fedcheck federation-info %s)", name, partner, partner)
	switch {
	case rel == nil:
		cause := fmt.Sprintf("no organization relationship named %q on our side", name)
		if found, err := c.Sharing.RelationshipFor(partner); err == nil {
			s.fail(cause, cause, fmt.Sprintf("relationship %q covers %s: test that one", found.Name, partner))
		} else {
			s.fail(cause, cause+fmt.Sprintf(", and none for %s", partner), create)
		}
	case !rel.Enabled:
		s.fail(fmt.Sprintf("%q is disabled", rel.Name), "the relationship is disabled on our side", fmt.Sprintf("fedadmin relationship set %q -enabled true", rel.Name))
	case !rel.FreeBusyAccessEnabled:
		s.fail(fmt.Sprintf("%q has FreeBusyAccessEnabled false", rel.Name), "free/busy access is not enabled in our relationship",
			fmt.Sprintf("fedadmin relationship set %q -freebusy true", rel.Name))
	case !slices.Contains(rel.DomainNames, partner):
		s.fail(fmt.Sprintf("%q covers %s", rel.Name, strings.Join(rel.DomainNames, ", ")),
			fmt.Sprintf("no organization relationship for %s on our side (a domain does not cover its subdomains)", partner),
			fmt.Sprintf("add %s to DomainNames of %q", partner, rel.Name))
	case rel.TargetApplicationURI == "":
		s.fail(fmt.Sprintf("%q has no TargetApplicationUri", rel.Name), "the relationship does not say which organization tokens are for",
			fmt.Sprintf("set TargetApplicationUri from Get-FederationInformation %s (fedcheck federation-info %s)", partner, partner))
	default:
		s.pass("%q: domains %s, free/busy %s", rel.Name, strings.Join(rel.DomainNames, ", "), rel.FreeBusyAccessLevel)
		return *rel, true
	}
	return sharing.OrganizationRelationship{}, false
}

// partnerEWS returns the partner's EWS URL for mailbox: the relationship's
// TargetSharingEpr, or the answer of the partner's token-authenticated
// Autodiscover. It adds the UserSettings step and returns "" on failure.
func (c *Checker) partnerEWS(ctx context.Context, r *Report, hc *http.Client, broker fedavail.TokenSource, rel sharing.OrganizationRelationship, fi *autodiscover.FederationInformation, mailbox string) string {
	s := r.add(StepUserSettings, "Partner's EWS URL for the mailbox")
	if rel.TargetSharingEpr != "" {
		s.skip("TargetSharingEpr %s is used; Autodiscover is not asked", rel.TargetSharingEpr)
		return rel.TargetSharingEpr
	}
	ac := c.autodiscoverClient(hc)
	ac.Endpoint = firstNonEmpty(rel.TargetAutodiscoverEpr, fi.Endpoint)
	ac.TokenSource, ac.Requester, ac.Audience = broker, c.requester(), rel.TargetApplicationURI
	resp, err := ac.GetUserSettings(ctx, []string{mailbox}, autodiscover.ExternalEwsURL)
	if err == nil && len(resp) > 0 {
		err = resp[0].Err
	}
	switch {
	case errors.Is(err, fedavail.ErrUnauthorized):
		s.fail(err.Error(), "the partner's Autodiscover refused our delegation token: WSSecurity authentication is off on its Autodiscover, or it does not trust our broker",
			"the partner must enable WSSecurity authentication on its Autodiscover virtual directory (Set-AutodiscoverVirtualDirectory -WSSecurityAuthentication $true)")
	case errors.Is(err, autodiscover.ErrInvalidUser):
		s.fail(err.Error(), fmt.Sprintf("the partner has no mailbox %s", mailbox), "check the address")
	case err != nil:
		s.explain(reachProblem("the partner's Autodiscover service", ac.Endpoint, err))
	case len(resp) == 0 || resp[0].Settings.Value(autodiscover.ExternalEwsURL) == "":
		s.fail("no ExternalEwsUrl in the answer", "the partner publishes no external EWS URL for the mailbox",
			"the partner must set ExternalUrl on its EWS virtual directory, or we set TargetSharingEpr in our relationship")
	default:
		u := resp[0].Settings.Value(autodiscover.ExternalEwsURL)
		s.pass("%s (from %s)", u, resp[0].Endpoint)
		return u
	}
	return ""
}

// explainAvailability adds the free/busy step and the inferred state of the
// partner's relationship for us.
func (c *Checker) explainAvailability(r *Report, ewsURL, mailbox string, code ews.ResponseCode, err error) {
	fb := r.add(StepAvailability, "Free/busy from the partner")
	pr := r.add(StepPartnerRelationship, "Partner's relationship for our domain")
	ours := fedavail.AddressDomain(c.requester())
	missing := problem{
		cause: "the partner has no organization relationship for your domain " + ours + ", or it does not enable free/busy in it",
		fix: fmt.Sprintf("ask the partner's administrator to create an organization relationship for %s with free/busy access enabled "+
			"(New-OrganizationRelationship -DomainNames %s -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly)", ours, ours),
	}
	switch {
	case errors.Is(err, fedavail.ErrUnauthorized):
		fb.fail(err.Error(), "the partner's EWS refused our delegation token, which our broker issued for its application URI", "see below")
		pr.fail("inferred from HTTP 401 after a valid token", missing.cause+" (or WSSecurity authentication is off on its EWS)", missing.fix)
	case err != nil:
		fb.explain(reachProblem("the partner's EWS", ewsURL, err))
		pr.skip("no answer from the partner")
	case code == ews.NoError:
		fb.pass("%s answered for %s", wsSecurityURL(ewsURL), mailbox)
		pr.pass("the partner shares free/busy with %s", ours)
	case code == ews.ErrorNoFreeBusyAccess:
		fb.fail(string(code), "the partner accepted our token but shares nothing of this mailbox with us", "see below")
		pr.fail("inferred from ErrorNoFreeBusyAccess",
			missing.cause+"; or the mailbox is outside its free/busy access scope, or its owner shares nothing externally", missing.fix)
	case code == ews.ErrorMailRecipientNotFound:
		fb.fail(string(code), fmt.Sprintf("the partner has no mailbox %s", mailbox), "check the address")
		pr.skip("the partner answered, so it accepted our token; test with an existing mailbox to know more")
	default:
		fb.fail(string(code), "the partner could not produce free/busy for the mailbox", "ask the partner's administrator what "+string(code)+" means on their side")
		pr.skip("not known from %s", code)
	}
}

// brokerMetadata fetches and reads our trust broker's metadata.
func (c *Checker) brokerMetadata(ctx context.Context, hc *http.Client) (*metadata.Metadata, error) {
	if c.MetadataURL == "" {
		return nil, errors.New("diag: no broker metadata URL configured")
	}
	data, err := fetchMetadata(ctx, hc, c.MetadataURL)
	if err != nil {
		return nil, err
	}
	return metadata.Parse(data, c.now(), c.Logger)
}

func acceptsIssuer(fi *autodiscover.FederationInformation, issuer string) bool {
	for _, ti := range fi.TokenIssuers {
		if ti.URI == issuer {
			return true
		}
	}
	return false
}

func issuerList(fi *autodiscover.FederationInformation) string {
	if len(fi.TokenIssuers) == 0 {
		return "none"
	}
	var out []string
	for _, ti := range fi.TokenIssuers {
		out = append(out, ti.URI)
	}
	return strings.Join(out, ", ")
}
