package autodiscover

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// MaxHops is how many redirects one look-up follows: HTTP redirects,
// RedirectUrl and RedirectAddress answers together. It is the EWS Managed
// API's limit.
const MaxHops = 10

// RedirectPolicy decides whether the client may follow a redirect to another
// host: an HTTP redirect or RedirectUrl answer, the HTTP redirect method's
// answer, or an SRV record (then from is dns://_autodiscover._tcp.DOMAIN).
// A nil error allows the hop. Redirects are how Autodiscover answers get
// hijacked, so a policy should be strict; credentials never follow a redirect
// to another host whatever the policy says, but a delegation token does
// (it is only usable by the partner it was issued for).
type RedirectPolicy func(from, to *url.URL) error

// DefaultRedirectPolicy allows redirects to https URLs only.
func DefaultRedirectPolicy(from, to *url.URL) error {
	if to.Scheme != "https" {
		return ErrInsecureRedirect
	}
	return nil
}

// legacyPath is the path a redirect of the HTTP redirect method must have
// (as the EWS Managed API checks it).
var legacyPath = regexp.MustCompile(`(?i)^/autodiscover/([^/]+/)*autodiscover\.xml$`)

// hops tracks one look-up's redirects: how many, and where it has been.
type hops struct {
	n, max int
	seen   map[string]bool
	policy RedirectPolicy
}

func newHops(policy RedirectPolicy) *hops {
	if policy == nil {
		policy = DefaultRedirectPolicy
	}
	return &hops{max: MaxHops, seen: map[string]bool{}, policy: policy}
}

// newHops starts a look-up's redirect count with the Client's limit.
func (c *Client) newHops() *hops {
	h := newHops(c.RedirectPolicy)
	if c.MaxRedirects > 0 && c.MaxRedirects < MaxHops {
		h.max = c.MaxRedirects
	}
	return h
}

// fork returns an independent copy, so sibling discovery candidates do not
// use up each other's hops.
func (h *hops) fork() *hops {
	c := &hops{n: h.n, max: h.max, seen: make(map[string]bool, len(h.seen)), policy: h.policy}
	for k := range h.seen {
		c.seen[k] = true
	}
	return c
}

// visit records the starting point of a chain.
func (h *hops) visit(key string) { h.seen[strings.ToLower(key)] = true }

// follow checks a redirect from one URL to another and records it.
func (h *hops) follow(from, to string) error {
	fu, err := url.Parse(from)
	if err != nil {
		return &RedirectError{From: from, To: to, Err: err}
	}
	tu, err := url.Parse(to)
	if err != nil || tu.Host == "" {
		return &RedirectError{From: from, To: to, Err: fmt.Errorf("not an absolute URL")}
	}
	if err := h.check(fu, tu); err != nil {
		return &RedirectError{From: from, To: to, Err: err}
	}
	return nil
}

func (h *hops) check(from, to *url.URL) error {
	if h.n >= h.max {
		return ErrTooManyRedirects
	}
	key := strings.ToLower(to.String())
	if h.seen[key] {
		return ErrRedirectLoop
	}
	if sameHost(from, to) {
		// No policy can make a downgrade on the same host acceptable.
		if to.Scheme != "https" {
			return ErrInsecureRedirect
		}
	} else if err := h.policy(from, to); err != nil {
		return err
	}
	h.n++
	h.seen[key] = true
	return nil
}

// address records a RedirectAddress hop to a new mailbox.
func (h *hops) address(from, to string) error {
	if h.n >= h.max {
		return &RedirectError{From: "mailto:" + from, To: "mailto:" + to, Err: ErrTooManyRedirects}
	}
	key := "mailto:" + strings.ToLower(to)
	if h.seen[key] {
		return &RedirectError{From: "mailto:" + from, To: "mailto:" + to, Err: ErrRedirectLoop}
	}
	h.n++
	h.seen[key] = true
	return nil
}

// sameHost compares host names only: a change of port or scheme on the same
// name is still the same party.
func sameHost(a, b *url.URL) bool { return strings.EqualFold(a.Hostname(), b.Hostname()) }
