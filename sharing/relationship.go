package sharing

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/fedavail/fedavail"
)

// MaxNameLength is the longest name Exchange accepts for an organization
// relationship or a sharing policy.
const MaxNameLength = 64

// OrganizationRelationship is one organization's settings for one partner,
// as New-OrganizationRelationship creates them. Each side keeps its own: the
// answering side's decides what the partner may see, the requesting side's
// says how to reach the partner. The field names are Exchange's, so the JSON
// form reads like Get-OrganizationRelationship | ConvertTo-Json.
//
// A relationship built in Go must set Enabled explicitly; the JSON and
// cmdlet-style parsers default it to true, as Exchange does.
type OrganizationRelationship struct {
	// Name identifies the relationship; at most 64 characters.
	Name string `json:"Name"`
	// DomainNames are the partner's SMTP domains. A domain does not cover
	// its subdomains: list each one.
	DomainNames []string `json:"DomainNames"`
	// Enabled false stops all sharing over the relationship.
	Enabled bool `json:"Enabled"`
	// FreeBusyAccessEnabled must be true for free/busy to flow, in each
	// direction on each side.
	FreeBusyAccessEnabled bool `json:"FreeBusyAccessEnabled"`
	// FreeBusyAccessLevel is the most this organization shows the partner.
	FreeBusyAccessLevel fedavail.AccessLevel `json:"FreeBusyAccessLevel"`
	// FreeBusyAccessScope, if set, names the group whose members alone are
	// shared (a [Group] of the configuration, or one a [Membership] knows).
	FreeBusyAccessScope string `json:"FreeBusyAccessScope"`
	// TargetApplicationURI is the partner's application URI, the audience of
	// delegation tokens for it, e.g. "FYDIBOHF25SPDLT.fabrikam.com".
	TargetApplicationURI string `json:"TargetApplicationUri"`
	// TargetAutodiscoverEpr is the partner's Autodiscover endpoint,
	// https://…/autodiscover/autodiscover.svc/WSSecurity.
	TargetAutodiscoverEpr string `json:"TargetAutodiscoverEpr"`
	// TargetSharingEpr, if set, is the partner's EWS URL, used instead of
	// Autodiscover.
	TargetSharingEpr string `json:"TargetSharingEpr"`
	// TargetEwsVersion, if set, is the EWS schema version (RequestServerVersion)
	// asked of the partner, overriding the choice made from its
	// Autodiscover ExternalEwsVersion. Not an Exchange parameter: for
	// partners whose servers misreport their version.
	TargetEwsVersion string `json:"TargetEwsVersion,omitempty"`
}

// UnmarshalJSON decodes strictly (unknown fields are errors) and defaults
// Enabled to true when absent.
func (r *OrganizationRelationship) UnmarshalJSON(b []byte) error {
	type plain OrganizationRelationship
	v := plain{Enabled: true}
	if err := decodeStrict(b, &v); err != nil {
		return err
	}
	*r = OrganizationRelationship(v)
	return nil
}

func (r *OrganizationRelationship) clone() OrganizationRelationship {
	c := *r
	c.DomainNames = append([]string(nil), r.DomainNames...)
	return c
}

// entry names the relationship in error messages.
func (r *OrganizationRelationship) entry(i int) string {
	if r.Name == "" {
		return fmt.Sprintf("relationship #%d", i+1)
	}
	return fmt.Sprintf("relationship %q", r.Name)
}

// validate reports every problem of the relationship; i is its position.
func (r *OrganizationRelationship) validate(i int) []error {
	var errs []error
	e := r.entry(i)
	errs = append(errs, checkName(e, r.Name)...)
	if len(r.DomainNames) == 0 {
		errs = append(errs, &ConfigError{Entry: e, Field: "DomainNames", Reason: "at least one domain is required"})
	}
	seen := map[string]int{}
	for j, d := range r.DomainNames {
		field := fmt.Sprintf("DomainNames[%d]", j)
		n, err := normalizeDomain(d)
		if err != nil {
			errs = append(errs, &ConfigError{Entry: e, Field: field, Value: d, Reason: err.Error()})
			continue
		}
		if k, dup := seen[n]; dup {
			errs = append(errs, &ConfigError{Entry: e, Field: field, Value: d, Reason: fmt.Sprintf("repeats DomainNames[%d]", k)})
		}
		seen[n] = j
	}
	if s := r.FreeBusyAccessLevel.String(); strings.HasPrefix(s, "AccessLevel(") {
		errs = append(errs, &ConfigError{Entry: e, Field: "FreeBusyAccessLevel", Value: s, Reason: "want None, AvailabilityOnly or LimitedDetails"})
	}
	if strings.TrimSpace(r.FreeBusyAccessScope) != r.FreeBusyAccessScope {
		errs = append(errs, &ConfigError{Entry: e, Field: "FreeBusyAccessScope", Value: r.FreeBusyAccessScope, Reason: "has leading or trailing white space"})
	}
	if u := r.TargetApplicationURI; u != "" && strings.ContainsFunc(u, isSpace) {
		errs = append(errs, &ConfigError{Entry: e, Field: "TargetApplicationUri", Value: u, Reason: "contains white space"})
	}
	for _, f := range []struct{ name, v string }{
		{"TargetAutodiscoverEpr", r.TargetAutodiscoverEpr},
		{"TargetSharingEpr", r.TargetSharingEpr},
	} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, &ConfigError{Entry: e, Field: f.name, Value: f.v, Reason: "not an absolute http(s) URL"})
		}
	}
	return errs
}

func checkName(entry, name string) []error {
	switch {
	case strings.TrimSpace(name) == "":
		return []error{&ConfigError{Entry: entry, Field: "Name", Reason: "is required"}}
	case len([]rune(name)) > MaxNameLength:
		return []error{&ConfigError{Entry: entry, Field: "Name", Value: name, Reason: fmt.Sprintf("longer than %d characters", MaxNameLength)}}
	case strings.TrimSpace(name) != name:
		return []error{&ConfigError{Entry: entry, Field: "Name", Value: name, Reason: "has leading or trailing white space"}}
	}
	return nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }
