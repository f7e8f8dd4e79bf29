package federation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
)

// defaultMaxParallel is how many partner organizations one query asks at
// once when Config.MaxParallel is zero: high enough that a query naming
// attendees in tens of organizations costs about as long as its slowest
// partner, since each partner is mostly waiting on the network.
const defaultMaxParallel = 64

// defaultPartnerTimeout bounds the work for one partner organization
// (discovery, token, EWS) when Config.PartnerTimeout is zero. It is
// Exchange's own default for its availability web requests
// (WebRequestTimeoutInSeconds = 25, InfoWorker/Common/Availability/
// Configuration.cs).
const defaultPartnerTimeout = 25 * time.Second

// Availability asks the attendees' organizations when they are free. For
// each attendee's domain it finds the organization relationship, the
// partner's EWS URL (from the relationship, or through Autodiscover, cached),
// a delegation token from the trust broker (cached), and asks the partner's
// EWS with GetUserAvailability; organizations are asked in parallel,
// attendees of one organization in batches.
//
// The result has one entry per attendee, in order. An attendee that could
// not be asked about has an *AttendeeError saying at which step and why;
// test it with errors.Is against sharing.ErrNoRelationship,
// ErrNotFederated, ErrUntrustedBroker and ErrRefused, or errors.As. The
// error returned is for the query as a whole: an invalid query, or ctx's
// error.
func (c *Client) Availability(ctx context.Context, q Query) (*Result, error) {
	if err := c.checkQuery(q); err != nil {
		return nil, err
	}
	r := &run{q: q, out: make([]Attendee, len(q.Attendees))}
	var domains []string
	byDomain := map[string][]int{}
	for i, a := range q.Attendees {
		r.out[i].Address = a
		d := fedavail.AddressDomain(a)
		if d == "" {
			r.out[i].Err = &AttendeeError{Attendee: a, Step: StepAddress, Err: errors.New("federation: not an SMTP address")}
			continue
		}
		if _, ok := byDomain[d]; !ok {
			domains = append(domains, d)
		}
		byDomain[d] = append(byDomain[d], i)
	}

	limit := c.cfg.MaxParallel
	if limit <= 0 {
		limit = defaultMaxParallel
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, d := range domains {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			pctx, cancel := c.partnerContext(ctx)
			defer cancel()
			c.askDomain(pctx, r, d, byDomain[d])
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &Result{Attendees: r.out, Suggestions: r.suggestions.sorted()}, nil
}

// partnerContext bounds one partner's work by Config.PartnerTimeout, so a
// hung partner costs its own attendees an error and no more.
func (c *Client) partnerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	switch d := c.cfg.PartnerTimeout; {
	case d < 0:
		return ctx, func() {}
	case d == 0:
		return context.WithTimeout(ctx, defaultPartnerTimeout)
	default:
		return context.WithTimeout(ctx, d)
	}
}

// run is one call of Availability: the query, and the answers its
// goroutines fill in.
type run struct {
	q Query
	// out has one entry per attendee; each domain's goroutine writes only
	// its own attendees' entries.
	out         []Attendee
	suggestions suggestionSet
}

func (c *Client) checkQuery(q Query) error {
	from := fedavail.AddressDomain(q.From)
	switch {
	case from == "":
		return fmt.Errorf("federation: Query.From %q is not an SMTP address", q.From)
	case len(c.cfg.Domains) > 0 && !slices.ContainsFunc(c.cfg.Domains, func(d string) bool { return strings.EqualFold(strings.TrimSpace(d), from) }):
		return fmt.Errorf("federation: Query.From %q is not in the organization's federated domains %v", q.From, c.cfg.Domains)
	case len(q.Attendees) == 0:
		return errors.New("federation: Query.Attendees is empty")
	case q.Start.IsZero() || q.End.IsZero() || !q.End.After(q.Start):
		return errors.New("federation: Query needs a Start before its End")
	case q.Suggestions != nil:
		start, end := q.Start, q.End
		if s := q.Suggestions; !s.Start.IsZero() || !s.End.IsZero() {
			start, end = s.Start, s.End
		}
		if end.Sub(start) < ews.MinSuggestionsWindow {
			return fmt.Errorf("federation: Query.Suggestions needs a window of at least %s, not %s: partners suggest times for whole days", ews.MinSuggestionsWindow, end.Sub(start))
		}
	}
	return nil
}

// askDomain fills r.out[i] for the attendees at idx, all in domain.
func (c *Client) askDomain(ctx context.Context, r *run, domain string, idx []int) {
	q, out := r.q, r.out
	fail := func(at []int, step Step, err error) {
		err = tlsVersionFailure(err)
		for _, i := range at {
			out[i].Err = &AttendeeError{Attendee: q.Attendees[i], Domain: domain, Step: step, Err: err}
		}
	}
	rel, err := c.rels.RelationshipFor(domain)
	as := c.addressSpaces[domain]
	if as != nil && (err != nil || c.cfg.Disabled) {
		// Exchange tries a relationship first and uses an availability
		// address space only where none can be used.
		c.askAddressSpace(ctx, r, as, domain, idx, fail)
		return
	}
	if err != nil {
		c.log.DebugContext(ctx, "federation: no organization relationship", "domain", domain, "err", err)
		fail(idx, StepRelationship, err)
		return
	}
	c.log.DebugContext(ctx, "federation: organization relationship", "domain", domain, "relationship", rel.Name)
	if c.cfg.Disabled {
		// Exchange looks the organization identifier up for the user's
		// federated identity before any token or discovery call.
		fail(idx, StepToken, ErrFederationDisabled)
		return
	}
	p, step, err := c.resolvePartner(ctx, domain, rel)
	if err != nil {
		fail(idx, step, err)
		return
	}

	mailboxes := make([]string, len(idx))
	for j, i := range idx {
		mailboxes[j] = q.Attendees[i]
	}
	urls, errs, step, err := c.ewsURLs(ctx, p, q.From, mailboxes)
	if err != nil {
		fail(idx, step, err)
		return
	}
	// Mailboxes of one partner usually share one EWS URL; ask each URL once.
	var order []ewsEndpoint
	groups := map[string][]int{}
	for j, i := range idx {
		out[i].Partner = &Partner{Domain: domain, Relationship: rel.Name, ApplicationURI: p.audience, AutodiscoverURL: p.autodiscover, EWSURL: urls[j].url}
		if errs[j] != nil {
			fail([]int{i}, StepDiscovery, errs[j])
			continue
		}
		if _, ok := groups[urls[j].url]; !ok {
			order = append(order, urls[j])
		}
		groups[urls[j].url] = append(groups[urls[j].url], i)
	}
	for _, e := range order {
		c.askEWS(ctx, r, p, e, groups[e.url], fail)
	}
}

// askEWS asks one EWS endpoint about the attendees at idx.
func (c *Client) askEWS(ctx context.Context, r *run, p *partner, ep ewsEndpoint, idx []int, fail func([]int, Step, error)) {
	url := ep.url
	ec := &ews.Client{
		URL:        url,
		HTTPClient: c.hc,
		Auth:       ews.FederatedAuth{Tokens: stepTokens{c.tokens}, Audience: p.audience, Requester: r.q.From},
		Version:    c.ewsVersion(p.rel, ep.version),
		Logger:     c.log,
		Now:        c.now,
		UserAgent:  c.cfg.UserAgent,
	}
	c.log.DebugContext(ctx, "federation: asking for availability", "ews_url", url, "audience", p.audience, "mailboxes", len(idx))
	c.askWith(ctx, r, p.domain, ec, idx, fail)
}

// askWith asks the EWS endpoint of ec, authenticated as the way to this
// partner requires, about the attendees at idx.
func (c *Client) askWith(ctx context.Context, r *run, domain string, ec *ews.Client, idx []int, fail func([]int, Step, error)) {
	q, out := r.q, r.out
	url := ec.URL
	req := &ews.AvailabilityRequest{
		Start:    q.Start,
		End:      q.End,
		Location: q.Location,
		FreeBusy: &ews.FreeBusyOptions{View: q.View, MergedInterval: q.MergedInterval},
	}
	for _, i := range idx {
		req.Mailboxes = append(req.Mailboxes, ews.Mailbox{Address: q.Attendees[i]})
	}
	var tooMany error
	if q.Suggestions != nil {
		// Suggestions weigh all of a request's attendees together, so they
		// cannot be split into batches as free/busy is.
		if len(idx) > ews.MaxMailboxesPerRequest {
			tooMany = fmt.Errorf("federation: %d attendees at %s; a partner suggests times for at most %d at once", len(idx), url, ews.MaxMailboxesPerRequest)
		} else {
			req.Suggestions = q.Suggestions
		}
	}
	res, err := ec.GetUserAvailability(ctx, req)
	if err != nil {
		fail(idx, stepOf(err, StepAvailability), err)
		return
	}
	if q.Suggestions != nil {
		ps := PartnerSuggestions{Domain: domain, EWSURL: url, Days: res.Suggestions, Err: cmp.Or(tooMany, res.SuggestionsErr)}
		for _, m := range req.Mailboxes {
			ps.Attendees = append(ps.Attendees, m.Address)
		}
		r.suggestions.add(idx[0], ps)
	}
	for j, i := range idx {
		m := res.Mailboxes[j]
		a := &out[i]
		a.View, a.Merged, a.Events, a.WorkingHours = m.View, m.Merged, m.Events, m.WorkingHours
		var me *ews.MailboxError
		switch {
		case m.Err == nil:
		case errors.As(m.Err, &me) && me.Class == ews.Warning:
			a.Warning = m.Err
		default:
			fail([]int{i}, StepAvailability, m.Err)
		}
	}
}
