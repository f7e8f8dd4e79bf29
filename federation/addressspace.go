package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
)

// AccessMethod is how an [AddressSpace] reaches the other forest, as
// Add-AvailabilityAddressSpace -AccessMethod names it. Both methods send the
// service account's credentials with HTTP Basic (the only scheme this
// package speaks; Exchange offers Negotiate and NTLM too for OrgWideFB).
type AccessMethod string

// Access methods supported.
const (
	// OrgWideFB asks with the forest's service account; the other forest
	// answers at the level it grants that account (Exchange: the
	// calendars' Default permission).
	OrgWideFB AccessMethod = "OrgWideFB"
	// OrgWideFBBasic is OrgWideFB with Basic authentication required; as in
	// Exchange, it needs TargetAutodiscoverEpr.
	OrgWideFBBasic AccessMethod = "OrgWideFBBasic"
)

// AddressSpace is an availability address space (Exchange's
// Add-AvailabilityAddressSpace): another forest asked for free/busy with a
// service account of that forest instead of a delegation token, where there
// is no usable organization relationship (none, disabled, or this
// organization's federation turned off). No requester identity is sent:
// every user of this organization sees what the account may see.
type AddressSpace struct {
	// ForestName is the SMTP domain of the attendees it serves, matched
	// exactly (subdomains are not covered).
	ForestName string
	// AccessMethod is OrgWideFB or OrgWideFBBasic; empty means OrgWideFB.
	AccessMethod AccessMethod
	// Username is the service account, "DOMAIN\user" or "user@domain";
	// Password its password. They are sent only to the Autodiscover hosts of
	// ForestName (or TargetAutodiscoverEpr's host) and to the EWS URL they
	// name, and never logged.
	Username, Password string
	// TargetAutodiscoverEpr is the forest's Autodiscover endpoint, e.g.
	// "https://autodiscover.fabrikam.com/autodiscover/autodiscover.xml".
	// Empty means discovery from ForestName (required for OrgWideFBBasic).
	TargetAutodiscoverEpr string
}

// String names the forest and account, never the password.
func (a AddressSpace) String() string {
	return "AddressSpace{" + a.ForestName + ", " + string(a.method()) + ", " + a.Username + ", password hidden}"
}

// LogValue keeps the password out of structured logs.
func (a AddressSpace) LogValue() slog.Value { return slog.StringValue(a.String()) }

func (a AddressSpace) method() AccessMethod {
	if a.AccessMethod == "" {
		return OrgWideFB
	}
	return a.AccessMethod
}

// poxParallel is how many POX look-ups of one address space run at once.
const poxParallel = 8

// crossForestVersion is the build named in the User-Agent of cross-forest
// requests, where Exchange puts its file version.
const crossForestVersion = ExternalEWSVersion

// addressSpace is a checked AddressSpace with its Autodiscover client.
type addressSpace struct {
	AddressSpace
	ad *autodiscover.Client
}

// newAddressSpaces checks the address spaces as Exchange's cmdlet and
// configuration reader do, and keys them by domain.
func (c *Client) newAddressSpaces(list []AddressSpace) (map[string]*addressSpace, error) {
	out := make(map[string]*addressSpace, len(list))
	var errs []error
	for i, a := range list {
		d := strings.ToLower(strings.TrimSpace(a.ForestName))
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("federation: Config.AddressSpaces[%d] (%s): %s", i, d, fmt.Sprintf(format, args...)))
		}
		switch {
		case d == "" || strings.ContainsAny(d, "@/ "):
			bad("ForestName must be an SMTP domain")
			continue
		case out[d] != nil:
			bad("a second address space for the same forest")
			continue
		case a.method() != OrgWideFB && a.method() != OrgWideFBBasic:
			bad("AccessMethod %q is not supported (OrgWideFB or OrgWideFBBasic)", a.AccessMethod)
		case !strings.Contains(a.Username, "@") && !strings.Contains(a.Username, `\`):
			// Exchange's InvalidCrossForestCredentials.
			bad(`Username must be "user@domain" or "DOMAIN\user"`)
		case a.method() == OrgWideFBBasic && a.TargetAutodiscoverEpr == "":
			bad("OrgWideFBBasic needs TargetAutodiscoverEpr")
		}
		out[d] = &addressSpace{AddressSpace: a, ad: &autodiscover.Client{
			HTTPClient:  c.hc,
			Resolver:    c.cfg.Resolver,
			Endpoint:    a.TargetAutodiscoverEpr,
			Credentials: &autodiscover.Credentials{Username: a.Username, Password: a.Password},
			CacheTTL:    c.cfg.EndpointTTL,
			// Exchange's cross-forest look-ups follow 3 redirects.
			MaxRedirects: 3,
			UserAgent:    "ASAutoDiscover/CrossForest/EmailDomain//" + crossForestVersion,
			Logger:       c.log,
			Now:          c.now,
		}}
	}
	return out, errors.Join(errs...)
}

// askAddressSpace asks the attendees at idx, all in domain, through the
// address space as: POX Autodiscover per mailbox for the availability URL
// (the EXPR block's ASUrl, else EXCH's), then GetUserAvailability at each
// URL with the service account (ews.CrossForestAuth).
func (c *Client) askAddressSpace(ctx context.Context, r *run, as *addressSpace, domain string, idx []int, fail func([]int, Step, error)) {
	q, out := r.q, r.out
	c.log.DebugContext(ctx, "federation: availability address space", "domain", domain, "access_method", as.method())
	type target struct{ url, protocol string }
	// Look the mailboxes up in parallel, as Exchange does: each uncached
	// one costs a round trip.
	found := make([]target, len(idx))
	errs := make([]error, len(idx))
	sem := make(chan struct{}, poxParallel)
	var wg sync.WaitGroup
	for j, i := range idx {
		out[i].Partner = &Partner{Domain: domain, AddressSpace: as.ForestName, AutodiscoverURL: as.TargetAutodiscoverEpr}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			mailbox := q.Attendees[i]
			s, err := as.ad.GetPOXSettings(ctx, mailbox)
			if err != nil {
				errs[j] = err
				return
			}
			out[i].Partner.AutodiscoverURL = s.Endpoint
			for _, typ := range []string{"EXPR", "EXCH"} {
				if pr := s.Protocol(typ); pr != nil && strings.TrimSpace(pr.ASURL) != "" {
					found[j] = target{strings.TrimSpace(pr.ASURL), typ}
					out[i].Partner.EWSURL = found[j].url
					return
				}
			}
			errs[j] = fmt.Errorf("federation: %s: POX Autodiscover at %s has no ASUrl for the mailbox", mailbox, s.Endpoint)
		})
	}
	wg.Wait()
	var order []target
	groups := map[target][]int{}
	for j, i := range idx {
		if errs[j] != nil {
			fail([]int{i}, StepDiscovery, errs[j])
			continue
		}
		t := found[j]
		if _, ok := groups[t]; !ok {
			order = append(order, t)
		}
		groups[t] = append(groups[t], i)
	}
	for _, t := range order {
		at := groups[t]
		ec := &ews.Client{
			URL:        t.url,
			HTTPClient: c.hc,
			Auth:       ews.CrossForestAuth{Username: as.Username, Password: as.Password},
			Logger:     c.log,
			Now:        c.now,
			UserAgent:  "ASProxy/CrossForest/EmailDomain/" + t.protocol + "/" + crossForestVersion,
		}
		c.log.DebugContext(ctx, "federation: asking for availability", "ews_url", t.url, "address_space", as.ForestName, "mailboxes", len(at))
		c.askWith(ctx, r, domain, ec, at, fail)
	}
}
