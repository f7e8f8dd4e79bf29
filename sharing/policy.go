package sharing

import (
	"fmt"
	"strings"

	"github.com/fedavail/fedavail"
)

// SharingAction is what a sharing policy lets users share with a domain.
type SharingAction string

// Sharing actions, as New-SharingPolicy names them.
const (
	// CalendarSharingFreeBusySimple: free/busy time only.
	CalendarSharingFreeBusySimple SharingAction = "CalendarSharingFreeBusySimple"
	// CalendarSharingFreeBusyDetail: free/busy time, subject and location.
	CalendarSharingFreeBusyDetail SharingAction = "CalendarSharingFreeBusyDetail"
	// CalendarSharingFreeBusyReviewer: the whole calendar, read-only.
	CalendarSharingFreeBusyReviewer SharingAction = "CalendarSharingFreeBusyReviewer"
	// ContactsSharing: the contacts folder; nothing of the calendar.
	ContactsSharing SharingAction = "ContactsSharing"
)

var actions = []SharingAction{CalendarSharingFreeBusySimple, CalendarSharingFreeBusyDetail, CalendarSharingFreeBusyReviewer, ContactsSharing}

// ParseSharingAction parses an action name, ignoring case.
func ParseSharingAction(s string) (SharingAction, error) {
	for _, a := range actions {
		if strings.EqualFold(strings.TrimSpace(s), string(a)) {
			return a, nil
		}
	}
	return "", fmt.Errorf("sharing: unknown sharing action %q", s)
}

// AccessLevel returns the most free/busy detail the action lets a user
// share. Reviewer shares more than free/busy, but free/busy itself stops at
// LimitedDetails.
func (a SharingAction) AccessLevel() fedavail.AccessLevel {
	switch a {
	case CalendarSharingFreeBusySimple:
		return fedavail.AccessAvailabilityOnly
	case CalendarSharingFreeBusyDetail, CalendarSharingFreeBusyReviewer:
		return fedavail.AccessLimitedDetails
	}
	return fedavail.AccessNone
}

func (a SharingAction) calendar() bool { return a.AccessLevel() != fedavail.AccessNone }

// Special domains of a sharing policy entry.
const (
	// AnyDomain ("*") is every federated domain without an entry of its own.
	AnyDomain = "*"
	// AnonymousDomain is calendar publishing to anonymous internet users; it
	// never applies to federated requesters.
	AnonymousDomain = "Anonymous"
)

// SharingPolicyDomain is one entry of a sharing policy: a domain and the
// actions allowed with it. Its text form is Exchange's,
// "contoso.com:CalendarSharingFreeBusyDetail, ContactsSharing"; parsing also
// accepts the "contoso.com: CalendarSharingFreeBusyDetail" spelling of
// New-SharingPolicy's help.
type SharingPolicyDomain struct {
	// Domain is an SMTP domain (subdomains not included), [AnyDomain] or
	// [AnonymousDomain].
	Domain string
	// Actions are the allowed actions; at most one calendar action.
	Actions []SharingAction
}

// ParseSharingPolicyDomain parses one entry, "domain:Action[, Action…]".
func ParseSharingPolicyDomain(s string) (SharingPolicyDomain, error) {
	dom, rest, ok := strings.Cut(s, ":")
	dom = strings.TrimSpace(dom)
	if !ok || dom == "" {
		return SharingPolicyDomain{}, fmt.Errorf("sharing: sharing policy entry %q: want domain:Action[, Action…]", s)
	}
	if strings.EqualFold(dom, AnonymousDomain) {
		dom = AnonymousDomain
	}
	e := SharingPolicyDomain{Domain: dom}
	for _, f := range strings.Split(rest, ",") {
		a, err := ParseSharingAction(f)
		if err != nil {
			return SharingPolicyDomain{}, fmt.Errorf("sharing: sharing policy entry %q: unknown action %q", s, strings.TrimSpace(f))
		}
		e.Actions = append(e.Actions, a)
	}
	return e, nil
}

// String returns the entry as Get-SharingPolicy shows it.
func (d SharingPolicyDomain) String() string {
	names := make([]string, len(d.Actions))
	for i, a := range d.Actions {
		names[i] = string(a)
	}
	return d.Domain + ":" + strings.Join(names, ", ")
}

// MarshalText implements encoding.TextMarshaler with [SharingPolicyDomain.String].
func (d SharingPolicyDomain) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseSharingPolicyDomain].
func (d *SharingPolicyDomain) UnmarshalText(b []byte) error {
	v, err := ParseSharingPolicyDomain(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// calendarLevel is the most free/busy detail the entry allows.
func (d SharingPolicyDomain) calendarLevel() (fedavail.AccessLevel, SharingAction) {
	for _, a := range d.Actions {
		if a.calendar() {
			return a.AccessLevel(), a
		}
	}
	return fedavail.AccessNone, ""
}

// SharingPolicy governs person-to-person sharing: with which external
// domains the mailboxes it is assigned to may share, and how much. One
// policy may be the default, applying to mailboxes without one.
//
// A policy built in Go must set Enabled explicitly; the parsers default it
// to true.
type SharingPolicy struct {
	// Name identifies the policy; at most 64 characters.
	Name string `json:"Name"`
	// Domains are the policy's entries.
	Domains []SharingPolicyDomain `json:"Domains"`
	// Enabled false makes the policy allow nothing.
	Enabled bool `json:"Enabled"`
	// Default marks the policy of mailboxes that have none assigned.
	Default bool `json:"Default"`
}

// UnmarshalJSON decodes strictly and defaults Enabled to true.
func (p *SharingPolicy) UnmarshalJSON(b []byte) error {
	type plain SharingPolicy
	v := plain{Enabled: true}
	if err := decodeStrict(b, &v); err != nil {
		return err
	}
	*p = SharingPolicy(v)
	return nil
}

func (p *SharingPolicy) clone() SharingPolicy {
	c := *p
	c.Domains = make([]SharingPolicyDomain, len(p.Domains))
	for i, d := range p.Domains {
		c.Domains[i] = SharingPolicyDomain{Domain: d.Domain, Actions: append([]SharingAction(nil), d.Actions...)}
	}
	return c
}

// entryFor returns the policy's entry for a federated requester's domain:
// the domain's own entry, else the "*" entry. Subdomains are not covered.
func (p *SharingPolicy) entryFor(domain string) (SharingPolicyDomain, bool) {
	var any *SharingPolicyDomain
	for i, d := range p.Domains {
		if d.Domain == AnyDomain {
			any = &p.Domains[i]
			continue
		}
		if n, err := normalizeDomain(d.Domain); err == nil && n == domain {
			return d, true
		}
	}
	if any != nil {
		return *any, true
	}
	return SharingPolicyDomain{}, false
}

func (p *SharingPolicy) validate(i int) []error {
	e := fmt.Sprintf("sharing policy %q", p.Name)
	if p.Name == "" {
		e = fmt.Sprintf("sharing policy #%d", i+1)
	}
	errs := checkName(e, p.Name)
	seen := map[string]int{}
	for j, d := range p.Domains {
		field := fmt.Sprintf("Domains[%d]", j)
		key := d.Domain
		if d.Domain != AnyDomain && d.Domain != AnonymousDomain {
			n, err := normalizeDomain(d.Domain)
			if err != nil {
				errs = append(errs, &ConfigError{Entry: e, Field: field, Value: d.String(), Reason: err.Error()})
				continue
			}
			key = n
		}
		if k, dup := seen[key]; dup {
			errs = append(errs, &ConfigError{Entry: e, Field: field, Value: d.String(), Reason: fmt.Sprintf("repeats the domain of Domains[%d]", k)})
		}
		seen[key] = j
		if len(d.Actions) == 0 {
			errs = append(errs, &ConfigError{Entry: e, Field: field, Value: d.String(), Reason: "has no action"})
		}
		calendar, have := 0, map[SharingAction]bool{}
		for _, a := range d.Actions {
			if _, err := ParseSharingAction(string(a)); err != nil {
				errs = append(errs, &ConfigError{Entry: e, Field: field, Value: d.String(), Reason: fmt.Sprintf("unknown action %q", a)})
			}
			if have[a] {
				errs = append(errs, &ConfigError{Entry: e, Field: field, Value: d.String(), Reason: fmt.Sprintf("repeats %s", a)})
			}
			have[a] = true
			if a.calendar() {
				calendar++
			}
		}
		if calendar > 1 {
			errs = append(errs, &ConfigError{Entry: e, Field: field, Value: d.String(), Reason: "has more than one calendar sharing action"})
		}
	}
	return errs
}
