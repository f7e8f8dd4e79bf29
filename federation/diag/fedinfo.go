package diag

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fedavail/fedavail/autodiscover"
)

// Step IDs of GetFederationInformation.
const (
	StepDiscoveryAttempt     = "DiscoveryAttempt"
	StepAutodiscoverEndpoint = "AutodiscoverEndpoint"
	StepApplicationURI       = "ApplicationUri"
	StepDomainNames          = "DomainNames"
	StepTokenIssuers         = "TokenIssuerUris"
)

// GetFederationInformation asks domain's Autodiscover service, anonymously,
// for its federation information, as Exchange's Get-FederationInformation
// does before an organization relationship is created. The report says which
// endpoint answered or, when none did, each endpoint tried and why it failed;
// then the application URI, domains and token issuers the partner publishes,
// which are what an organization relationship for it needs. The information
// is returned too, nil when there is none.
func (c *Checker) GetFederationInformation(ctx context.Context, domain string) (*Report, *autodiscover.FederationInformation) {
	r := &Report{Test: "Get-FederationInformation", Subject: domain}
	hc, err := c.httpClient()
	if err != nil {
		r.add(StepAutodiscoverEndpoint, "Autodiscover endpoint").fail(err.Error(),
			"the HTTP client could not be built from the configuration", "fix the proxy or TLS settings")
		return r, nil
	}
	fi := c.federationInformation(ctx, r, hc, domain, "")
	if fi == nil {
		return r, nil
	}
	r.add(StepApplicationURI, "Application URI").pass("%s (the relationship's TargetApplicationUri)", fi.ApplicationURI)
	r.add(StepDomainNames, "Federated domains").pass("%s", strings.Join(fi.Domains, ", "))
	issuers := make([]string, len(fi.TokenIssuers))
	for i, ti := range fi.TokenIssuers {
		issuers[i] = ti.URI
	}
	s := r.add(StepTokenIssuers, "Accepted trust brokers")
	if len(issuers) == 0 {
		s.warn("none", "the partner names no trust broker: it cannot accept delegation tokens",
			"the partner must complete its federation trust")
	} else {
		s.pass("%s", strings.Join(issuers, ", "))
	}
	return r, fi
}

// federationInformation adds the discovery steps to r and returns the
// partner's federation information, or nil after a failed step. A non-empty
// endpoint (a relationship's TargetAutodiscoverEpr) is asked instead of
// discovering one.
func (c *Checker) federationInformation(ctx context.Context, r *Report, hc *http.Client, domain, endpoint string) *autodiscover.FederationInformation {
	ac := c.autodiscoverClient(hc)
	ac.Endpoint = endpoint
	fi, err := ac.GetFederationInformation(ctx, domain)
	if err == nil {
		r.add(StepAutodiscoverEndpoint, "Autodiscover endpoint").pass("%s answered (TargetAutodiscoverEpr %s/WSSecurity)", fi.Endpoint, fi.Endpoint)
		return fi
	}
	var de *autodiscover.DiscoveryError
	if errors.As(err, &de) {
		for _, a := range de.Attempts {
			r.add(StepDiscoveryAttempt, "Tried "+a.URL).fail(a.Err.Error(), reachProblem("this endpoint", a.URL, a.Err).cause, "")
		}
	}
	s := r.add(StepAutodiscoverEndpoint, "Autodiscover endpoint")
	s.explain(discoveryProblem(domain, err))
	return nil
}

// discoveryProblem explains why no federation information came back.
func discoveryProblem(domain string, err error) problem {
	var de *autodiscover.DiscoveryError
	switch {
	case errors.Is(err, autodiscover.ErrNotFederated), errors.Is(err, autodiscover.ErrInvalidDomain):
		return problem{
			detail: err.Error(),
			cause:  fmt.Sprintf("partner not federated: its Autodiscover service answers, but it has no federation trust for %s", domain),
			fix:    fmt.Sprintf("the partner must create a federation trust and add %s to it; check that %s is the partner's SMTP domain", domain, domain),
		}
	case errors.As(err, &de):
		return problem{
			detail: fmt.Sprintf("none of the %d endpoints tried answered", len(de.Attempts)),
			cause:  "the partner's Autodiscover service cannot be reached on the internet by any of the methods Exchange uses",
			fix: fmt.Sprintf("the partner must publish https://autodiscover.%s/autodiscover/autodiscover.svc (or an _autodiscover._tcp SRV record) "+
				"without pre-authentication; the Microsoft Remote Connectivity Analyzer tests this", domain),
		}
	}
	return reachProblem("the partner's Autodiscover service", "", err)
}
