package main

import (
	"context"
	"slices"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/diag"
)

// users are the -user flags: partner mailboxes to test relationships with.
type users []string

func (u *users) String() string     { return strings.Join(*u, ",") }
func (u *users) Set(v string) error { *u = append(*u, v); return nil }

// all runs every check the configuration calls for, in the order an
// administrator would look: the trust, the proof of each federated domain,
// then each organization relationship. A relationship is tested end to end
// (Test-OrganizationRelationship) with the -user mailbox in one of its
// domains; without one, only the partner's federation information can be
// checked, as a free/busy test needs a real mailbox.
func all(ctx context.Context, c *diag.Checker, mailboxes users) []*diag.Report {
	reports := []*diag.Report{c.TestFederationTrust(ctx)}
	for _, d := range c.Domains {
		reports = append(reports, c.TestDomainProof(ctx, d))
	}
	if c.Sharing == nil {
		return reports
	}
	for _, rel := range c.Sharing.Config().OrganizationRelationships {
		if len(rel.DomainNames) == 0 {
			continue
		}
		if m := mailboxIn(mailboxes, rel.DomainNames); m != "" {
			reports = append(reports, c.TestOrganizationRelationship(ctx, rel.Name, m))
			continue
		}
		r, _ := c.GetFederationInformation(ctx, rel.DomainNames[0])
		reports = append(reports, r)
	}
	return reports
}

// mailboxIn returns the first mailbox in one of domains, or "".
func mailboxIn(mailboxes []string, domains []string) string {
	for _, m := range mailboxes {
		if slices.Contains(domains, strings.ToLower(fedavail.AddressDomain(m))) {
			return m
		}
	}
	return ""
}
