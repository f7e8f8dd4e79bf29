package sharing

import (
	"errors"
	"fmt"
)

// Config is everything the policy engine decides from: the organization's
// relationships with partners, its sharing policies, the mailboxes' own
// settings and the groups used as access scopes. It is plain data; [New]
// validates it and turns it into an immutable [Policy].
type Config struct {
	OrganizationRelationships []OrganizationRelationship `json:"OrganizationRelationships"`
	SharingPolicies           []SharingPolicy            `json:"SharingPolicies"`
	Mailboxes                 []Mailbox                  `json:"Mailboxes"`
	Groups                    []Group                    `json:"Groups"`
}

// Clone returns a deep copy of c.
func (c *Config) Clone() Config {
	out := Config{
		OrganizationRelationships: make([]OrganizationRelationship, len(c.OrganizationRelationships)),
		SharingPolicies:           make([]SharingPolicy, len(c.SharingPolicies)),
		Mailboxes:                 make([]Mailbox, len(c.Mailboxes)),
		Groups:                    make([]Group, len(c.Groups)),
	}
	for i := range c.OrganizationRelationships {
		out.OrganizationRelationships[i] = c.OrganizationRelationships[i].clone()
	}
	for i := range c.SharingPolicies {
		out.SharingPolicies[i] = c.SharingPolicies[i].clone()
	}
	for i := range c.Mailboxes {
		out.Mailboxes[i] = c.Mailboxes[i].clone()
	}
	for i, g := range c.Groups {
		out.Groups[i] = Group{Name: g.Name, Members: append([]string(nil), g.Members...)}
	}
	return out
}

// Validate reports every problem of the configuration as *ConfigError
// values joined with errors.Join, or nil.
func (c *Config) Validate() error {
	var errs []error
	domains := map[string]int{} // normalized domain → index of its relationship
	names := map[string]bool{}
	groups := map[string]bool{}
	for _, g := range c.Groups {
		groups[g.Name] = true
	}
	for i := range c.OrganizationRelationships {
		r := &c.OrganizationRelationships[i]
		errs = append(errs, r.validate(i)...)
		e := r.entry(i)
		if names[r.Name] && r.Name != "" {
			errs = append(errs, &ConfigError{Entry: e, Field: "Name", Reason: "another relationship has this name"})
		}
		names[r.Name] = true
		for j, d := range r.DomainNames {
			n, err := normalizeDomain(d)
			if err != nil {
				continue // reported by validate
			}
			if k, dup := domains[n]; dup && k != i {
				other := c.OrganizationRelationships[k].entry(k)
				errs = append(errs, &ConfigError{Entry: e, Field: fmt.Sprintf("DomainNames[%d]", j), Value: d, Reason: "also in " + other + "; a domain can be in one relationship only"})
			}
			domains[n] = i
		}
		if s := r.FreeBusyAccessScope; s != "" && !groups[s] {
			errs = append(errs, &ConfigError{Entry: e, Field: "FreeBusyAccessScope", Value: s, Reason: "no such group (declare it under Groups, with members or for a Membership to answer)"})
		}
	}
	policies := map[string]bool{}
	defaults := 0
	for i := range c.SharingPolicies {
		p := &c.SharingPolicies[i]
		errs = append(errs, p.validate(i)...)
		if policies[p.Name] && p.Name != "" {
			errs = append(errs, &ConfigError{Entry: fmt.Sprintf("sharing policy %q", p.Name), Field: "Name", Reason: "another sharing policy has this name"})
		}
		policies[p.Name] = true
		if p.Default {
			defaults++
			if defaults == 2 {
				errs = append(errs, &ConfigError{Entry: fmt.Sprintf("sharing policy %q", p.Name), Field: "Default", Reason: "another sharing policy is already the default"})
			}
		}
	}
	mailboxes := map[string]bool{}
	for i := range c.Mailboxes {
		errs = append(errs, c.Mailboxes[i].validate(i, policies, mailboxes)...)
	}
	for i, g := range c.Groups {
		e := fmt.Sprintf("group %q", g.Name)
		if g.Name == "" {
			errs = append(errs, &ConfigError{Entry: fmt.Sprintf("group #%d", i+1), Field: "Name", Reason: "is required"})
		}
		for j, m := range g.Members {
			if err := validAddress(m); err != nil {
				errs = append(errs, &ConfigError{Entry: e, Field: fmt.Sprintf("Members[%d]", j), Value: m, Reason: err.Error()})
			}
		}
	}
	return errors.Join(errs...)
}

func (m *Mailbox) validate(i int, policies, seen map[string]bool) []error {
	var errs []error
	e := fmt.Sprintf("mailbox %q", m.Address)
	if err := validAddress(m.Address); err != nil {
		if m.Address == "" {
			e = fmt.Sprintf("mailbox #%d", i+1)
		}
		errs = append(errs, &ConfigError{Entry: e, Field: "Address", Value: m.Address, Reason: err.Error()})
	}
	if a := normalizeAddress(m.Address); seen[a] {
		errs = append(errs, &ConfigError{Entry: e, Field: "Address", Reason: "listed twice"})
	} else {
		seen[a] = true
	}
	if _, ok := m.CalendarPermission.AccessLevel(); !ok {
		errs = append(errs, &ConfigError{Entry: e, Field: "CalendarPermission", Value: string(m.CalendarPermission), Reason: "want None, AvailabilityOnly, LimitedDetails or Reviewer"})
	}
	if p := m.SharingPolicy; p != "" && !policies[p] {
		errs = append(errs, &ConfigError{Entry: e, Field: "SharingPolicy", Value: p, Reason: "no such sharing policy"})
	}
	for j, g := range m.Grants {
		if err := validAddress(g.Address); err != nil {
			errs = append(errs, &ConfigError{Entry: e, Field: fmt.Sprintf("Grants[%d].Address", j), Value: g.Address, Reason: err.Error()})
		}
	}
	return errs
}
