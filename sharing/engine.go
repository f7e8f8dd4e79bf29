package sharing

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/fedavail/fedavail"
)

// Options are the parts of a [Policy] that are not configuration.
type Options struct {
	// Membership answers access-scope questions; nil means the members
	// listed in the configuration's Groups.
	Membership Membership
	// Logger receives each decision at debug level, with its steps; nil
	// discards.
	Logger *slog.Logger
}

// Policy is a validated, immutable configuration ready to answer access
// questions. It implements [fedavail.AccessPolicy] and is safe for
// concurrent use.
type Policy struct {
	cfg           Config
	byDomain      map[string]*OrganizationRelationship
	mailboxes     map[string]*Mailbox
	policies      map[string]*SharingPolicy
	defaultPolicy *SharingPolicy
	groups        map[string]map[string]bool
	membership    Membership
	log           *slog.Logger
}

var _ fedavail.AccessPolicy = (*Policy)(nil)

// New validates cfg and returns the policy it describes. cfg is copied:
// changing it afterwards does not change the policy.
func New(cfg Config, opts *Options) (*Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &Options{}
	}
	p := &Policy{
		cfg:        cfg.Clone(),
		byDomain:   map[string]*OrganizationRelationship{},
		mailboxes:  map[string]*Mailbox{},
		policies:   map[string]*SharingPolicy{},
		groups:     map[string]map[string]bool{},
		membership: opts.Membership,
		log:        opts.Logger,
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	for i := range p.cfg.OrganizationRelationships {
		r := &p.cfg.OrganizationRelationships[i]
		for _, d := range r.DomainNames {
			n, _ := normalizeDomain(d) // validated above
			p.byDomain[n] = r
		}
	}
	for i := range p.cfg.SharingPolicies {
		sp := &p.cfg.SharingPolicies[i]
		p.policies[sp.Name] = sp
		if sp.Default {
			p.defaultPolicy = sp
		}
	}
	for i := range p.cfg.Mailboxes {
		m := &p.cfg.Mailboxes[i]
		p.mailboxes[normalizeAddress(m.Address)] = m
	}
	for _, g := range p.cfg.Groups {
		set := map[string]bool{}
		for _, m := range g.Members {
			set[normalizeAddress(m)] = true
		}
		p.groups[g.Name] = set
	}
	return p, nil
}

// Config returns a copy of the policy's configuration.
func (p *Policy) Config() Config { return p.cfg.Clone() }

// Decision is the outcome of an access question and how it was reached.
type Decision struct {
	// Level is the requester's access level on the mailbox.
	Level fedavail.AccessLevel
	// Relationship is the name of the organization relationship that
	// applied, "" if none did.
	Relationship string
	// Steps say in plain words what was considered, in order, ending with
	// the result. They name addresses, domains, relationships, policies and
	// levels, never calendar content or credentials.
	Steps []string
	// Err is set when a step could not be taken (a Membership failed); the
	// level is then AccessNone.
	Err error
}

// String returns the steps on one line, for logs.
func (d Decision) String() string { return strings.Join(d.Steps, "; ") }

// Access implements [fedavail.AccessPolicy].
func (p *Policy) Access(ctx context.Context, req fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	// The steps are only written when they will be logged: formatting
	// them is most of a decision's cost, paid on every mailbox asked for.
	debug := p.log.Enabled(ctx, slog.LevelDebug)
	d := p.decide(ctx, req, mailbox, debug)
	if debug {
		p.log.LogAttrs(ctx, slog.LevelDebug, "sharing: access decision",
			slog.String("requester", req.Address), slog.String("mailbox", mailbox),
			slog.String("level", d.Level.String()), slog.String("steps", d.String()))
	}
	return d.Level, d.Err
}

// Explain decides like [Policy.Access] and says how (the steps of the
// package documentation):
//
//	level = max(person-to-person grant ∩ sharing policy,
//	            min(relationship level, mailbox permission for external users) ∩ access scope)
//
// The relationship is looked up by the requester's domain (the token's), exactly:
// a relationship for fabrikam.com does not cover sub.fabrikam.com.
func (p *Policy) Explain(ctx context.Context, req fedavail.Requester, mailbox string) Decision {
	return p.decide(ctx, req, mailbox, true)
}

// steps collects a decision's steps when they are wanted (on). Callers
// test on before calling add: boxing add's arguments costs allocations
// even when nothing is written, a dozen per mailbox asked for.
type steps struct {
	on   bool
	list *[]string
}

func (s steps) add(format string, args ...any) {
	*s.list = append(*s.list, fmt.Sprintf(format, args...))
}

// decide is Explain, writing the steps only if explain is set.
func (p *Policy) decide(ctx context.Context, req fedavail.Requester, mailbox string, explain bool) Decision {
	var d Decision
	step := steps{on: explain, list: &d.Steps}

	domain := req.Domain
	if domain == "" {
		domain = fedavail.AddressDomain(req.Address)
	}
	if n, err := normalizeDomain(domain); err == nil {
		domain = n
	}
	who := normalizeAddress(req.Address)
	mbox := normalizeAddress(mailbox)
	if step.on {
		step.add("request from %s (domain %s) for %s", orUnknown(who), orUnknown(domain), mbox)
	}
	if !req.Federated {
		if step.on {
			step.add("the request has no delegation token; this policy decides federated access only")
			step.add("result: None")
		}
		return d
	}
	mb := p.mailboxes[mbox]
	org, err := p.orgLevel(ctx, &d, step, domain, mbox, mb)
	if err != nil {
		d.Err = err
		if step.on {
			step.add("could not finish: %v", err)
			step.add("result: None")
		}
		return d
	}
	personal := p.personalLevel(step, domain, who, mbox, mb)
	d.Level = max(org, personal)
	if org != fedavail.AccessNone && personal != fedavail.AccessNone {
		if step.on {
			step.add("result: %s, the greater of the organization level %s and the person-to-person level %s", d.Level, org, personal)
		}
	} else if step.on {
		step.add("result: %s", d.Level)
	}
	return d
}

// orgLevel is the level the organization relationship gives.
func (p *Policy) orgLevel(ctx context.Context, d *Decision, step steps, domain, mbox string, mb *Mailbox) (fedavail.AccessLevel, error) {
	r := p.byDomain[domain]
	if r == nil {
		if parent, pr := p.parentRelationship(domain); pr != nil {
			if step.on {
				step.add("no organization relationship includes %s; relationship %q includes %s, but a domain does not cover its subdomains", domain, pr.Name, parent)
			}
		} else {
			if step.on {
				step.add("no organization relationship includes %s: this organization needs one for the partner (and the partner one for this organization)", orUnknown(domain))
			}
		}
		return fedavail.AccessNone, nil
	}
	d.Relationship = r.Name
	switch {
	case !r.Enabled:
		if step.on {
			step.add("organization relationship %q includes %s but is disabled", r.Name, domain)
		}
		return fedavail.AccessNone, nil
	case !r.FreeBusyAccessEnabled:
		if step.on {
			step.add("organization relationship %q includes %s but does not have free/busy access enabled", r.Name, domain)
		}
		return fedavail.AccessNone, nil
	case r.FreeBusyAccessLevel == fedavail.AccessNone:
		if step.on {
			step.add("organization relationship %q includes %s with free/busy access level None", r.Name, domain)
		}
		return fedavail.AccessNone, nil
	}
	if step.on {
		step.add("organization relationship %q includes %s and allows up to %s", r.Name, domain, r.FreeBusyAccessLevel)
	}
	if g := r.FreeBusyAccessScope; g != "" {
		in, err := p.isMember(ctx, g, mbox)
		if err != nil {
			return fedavail.AccessNone, fmt.Errorf("sharing: access scope %q: %w", g, err)
		}
		if !in {
			if step.on {
				step.add("%s is not a member of the relationship's access scope %q, so the relationship shares nothing of it", mbox, g)
			}
			return fedavail.AccessNone, nil
		}
		if step.on {
			step.add("%s is a member of the access scope %q", mbox, g)
		}
	}
	perm := PermissionDefault
	if mb != nil {
		perm = mb.CalendarPermission
	}
	own, _ := perm.AccessLevel()
	switch {
	case perm == PermissionDefault:
		if step.on {
			step.add("%s lets external users see %s (the default: its owner has not opted in to show subject and location)", mbox, own)
		}
	case own == fedavail.AccessLimitedDetails:
		if step.on {
			step.add("%s lets external users see %s (its owner opted in to show subject and location)", mbox, own)
		}
	default:
		if step.on {
			step.add("%s lets external users see %s", mbox, own)
		}
	}
	lvl := min(r.FreeBusyAccessLevel, own)
	if step.on {
		step.add("organization level: the lesser of %s and %s is %s", r.FreeBusyAccessLevel, own, lvl)
	}
	return lvl, nil
}

// personalLevel is the level a person-to-person grant gives, as far as the
// mailbox's sharing policy allows it.
func (p *Policy) personalLevel(step steps, domain, who, mbox string, mb *Mailbox) fedavail.AccessLevel {
	var g *Grant
	if mb != nil {
		for i := range mb.Grants {
			if normalizeAddress(mb.Grants[i].Address) == who {
				g = &mb.Grants[i]
				break
			}
		}
	}
	if g == nil || g.Level == fedavail.AccessNone {
		if step.on {
			step.add("%s has no person-to-person share with %s", mbox, orUnknown(who))
		}
		return fedavail.AccessNone
	}
	sp := p.defaultPolicy
	how := "the default sharing policy"
	if mb != nil && mb.SharingPolicy != "" {
		sp, how = p.policies[mb.SharingPolicy], "its sharing policy"
	}
	switch {
	case sp == nil:
		if step.on {
			step.add("%s shared %s with %s, but no sharing policy applies to the mailbox, so the share is ignored", mbox, g.Level, who)
		}
		return fedavail.AccessNone
	case !sp.Enabled:
		if step.on {
			step.add("%s shared %s with %s, but %s %q is disabled, so the share is ignored", mbox, g.Level, who, how, sp.Name)
		}
		return fedavail.AccessNone
	}
	e, ok := sp.entryFor(domain)
	if !ok {
		if step.on {
			step.add("%s shared %s with %s, but %s %q has no entry for %s or *, so the share is ignored", mbox, g.Level, who, how, sp.Name, domain)
		}
		return fedavail.AccessNone
	}
	capLevel, action := e.calendarLevel()
	if capLevel == fedavail.AccessNone {
		if step.on {
			step.add("%s shared %s with %s, but %s %q allows no calendar sharing with %s, so the share is ignored", mbox, g.Level, who, how, sp.Name, e.Domain)
		}
		return fedavail.AccessNone
	}
	lvl := min(g.Level, capLevel)
	if step.on {
		step.add("%s shared %s with %s; %s %q allows %s for %s, so the share gives %s", mbox, g.Level, who, how, sp.Name, action, e.Domain, lvl)
	}
	return lvl
}

// parentRelationship finds a relationship for a parent domain of domain,
// to explain that subdomains are not covered.
func (p *Policy) parentRelationship(domain string) (string, *OrganizationRelationship) {
	for d := domain; ; {
		_, rest, ok := strings.Cut(d, ".")
		if !ok || !strings.Contains(rest, ".") {
			return "", nil
		}
		if r := p.byDomain[rest]; r != nil {
			return rest, r
		}
		d = rest
	}
}

func (p *Policy) isMember(ctx context.Context, group, mbox string) (bool, error) {
	if p.membership != nil {
		return p.membership.IsMember(ctx, group, mbox)
	}
	return p.groups[group][mbox], nil
}

// RelationshipFor returns the relationship to use when asking a partner in
// domain for free/busy: one that includes domain, is enabled and has
// free/busy access enabled. Otherwise the error is a *RelationshipError
// (errors.Is ErrNoRelationship) saying which of these is missing.
func (p *Policy) RelationshipFor(domain string) (OrganizationRelationship, error) {
	n, err := normalizeDomain(domain)
	if err != nil {
		return OrganizationRelationship{}, &RelationshipError{Domain: domain}
	}
	r := p.byDomain[n]
	switch {
	case r == nil:
		return OrganizationRelationship{}, &RelationshipError{Domain: n}
	case !r.Enabled:
		return OrganizationRelationship{}, &RelationshipError{Domain: n, Name: r.Name, Reason: "is disabled"}
	case !r.FreeBusyAccessEnabled:
		return OrganizationRelationship{}, &RelationshipError{Domain: n, Name: r.Name, Reason: "does not have free/busy access enabled"}
	}
	return r.clone(), nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}
