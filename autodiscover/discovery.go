package autodiscover

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/fedavail/fedavail/internal/soap"
)

// Paths of the two Autodiscover flavours.
const (
	soapPath = "/autodiscover/autodiscover.svc"
	poxPath  = "/autodiscover/autodiscover.xml"
)

// attemptFunc calls an operation at endpoint and returns the endpoint that
// answered (after redirects).
type attemptFunc func(endpoint string, h *hops) (string, error)

// order is the order of the two direct candidates.
type order int

const (
	// rootFirst is the documented client order ("Autodiscover for Exchange",
	// [MS-OXDISCO] 3.1.5.2): https://DOMAIN, then https://autodiscover.DOMAIN.
	rootFirst order = iota
	// autodiscoverFirst is [MS-OXWSADISC]'s order for GetFederationInformation
	// (U1 https://autodiscover.DOMAIN, U2 https://DOMAIN).
	autodiscoverFirst
)

// withEndpoint runs try against domain's Autodiscover endpoint: the explicit
// Client.Endpoint, else the cached one, else each discovery candidate in
// turn until one answers:
//
//  1. https://DOMAIN/PATH and https://autodiscover.DOMAIN/PATH (in ord);
//  2. the HTTP redirect method: GET http://autodiscover.DOMAIN/autodiscover/autodiscover.xml,
//     answered by a redirect to https://HOST/…/autodiscover.xml → https://HOST/PATH;
//  3. the _autodiscover._tcp.DOMAIN SRV records with port 443 → https://TARGET/PATH.
//
// An answer from an Autodiscover server (an *Error) or the end of ctx stops
// the search; anything else (no such host, an HTML page, 401, a fault) moves
// on to the next candidate.
func (c *Client) withEndpoint(ctx context.Context, domain, path string, ord order, h *hops, try attemptFunc) error {
	if c.Endpoint != "" {
		ep := baseEndpoint(c.Endpoint)
		if path == poxPath {
			// POX lives beside SOAP on the same host.
			ep = poxURL(ep)
		}
		_, err := try(ep, h)
		return err
	}
	return c.discover(ctx, domain, path, ord, h, try)
}

// discover finds domain's endpoint in the documented order, ignoring
// Client.Endpoint: for a domain the configured endpoint does not serve.
func (c *Client) discover(ctx context.Context, domain, path string, ord order, h *hops, try attemptFunc) error {
	key := path + " " + domain
	if ep, ok := c.endpoints.get(key); ok {
		got, err := try(ep, h.fork())
		if err == nil || stops(ctx, err) {
			if err == nil {
				c.endpoints.put(key, got)
			}
			return err
		}
		c.log.DebugContext(ctx, "autodiscover: cached endpoint failed", "url", redact(ep), "err", err)
		c.endpoints.forget(key)
	}
	de := &DiscoveryError{Domain: domain}
	attempt := func(ep string, h *hops) (bool, error) {
		c.log.DebugContext(ctx, "autodiscover: trying", "url", redact(ep))
		got, err := try(ep, h)
		if err == nil {
			c.endpoints.put(key, got)
			return true, nil
		}
		de.Attempts = append(de.Attempts, Attempt{URL: ep, Err: err})
		return stops(ctx, err), err
	}

	direct := []string{"https://" + domain + path, "https://autodiscover." + domain + path}
	if ord == autodiscoverFirst {
		direct[0], direct[1] = direct[1], direct[0]
	}
	for _, ep := range direct {
		if done, err := attempt(ep, h.fork()); done {
			return err
		}
	}

	if host, from, err := c.redirectMethod(ctx, domain); err != nil {
		de.Attempts = append(de.Attempts, Attempt{URL: from, Err: err})
		if ctx.Err() != nil {
			return ctx.Err()
		}
	} else {
		ep := "https://" + host + path
		hf := h.fork()
		if err := hf.follow(from, ep); err != nil {
			de.Attempts = append(de.Attempts, Attempt{URL: ep, Err: err})
		} else if done, err := attempt(ep, hf); done {
			return err
		}
	}

	srvName := "_autodiscover._tcp." + domain
	targets, err := c.srvTargets(ctx, domain)
	if err != nil {
		de.Attempts = append(de.Attempts, Attempt{URL: "dns://" + srvName, Err: err})
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	for _, t := range targets {
		ep := "https://" + t + path
		hf := h.fork()
		if err := hf.follow("dns://"+srvName, ep); err != nil {
			de.Attempts = append(de.Attempts, Attempt{URL: ep, Err: err})
			continue
		}
		if done, err := attempt(ep, hf); done {
			return err
		}
	}
	return de
}

// stops reports whether err ends discovery: the server answered as an
// Autodiscover server, or the caller gave up.
func stops(ctx context.Context, err error) bool {
	var ae *Error
	return errors.As(err, &ae) || ctx.Err() != nil
}

// redirectMethod performs the HTTP redirect method: an unauthenticated GET of
// http://autodiscover.DOMAIN/autodiscover/autodiscover.xml whose redirect
// names the host to use. Only an https Location with the Autodiscover path
// counts ([MS-OXWSADISC] 3.1.4.2.2.1; the EWS Managed API checks the same).
func (c *Client) redirectMethod(ctx context.Context, domain string) (host, from string, err error) {
	from = "http://autodiscover." + domain + poxPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, from, nil)
	if err != nil {
		return "", from, err
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	c.log.DebugContext(ctx, "autodiscover: HTTP redirect method", "url", from)
	resp, err := soap.NoRedirects(c.httpc).Do(req)
	if err != nil {
		return "", from, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return "", from, fmt.Errorf("autodiscover: HTTP redirect method: got HTTP %d, want a redirect", resp.StatusCode)
	}
	loc, err := resp.Location()
	if err != nil {
		return "", from, fmt.Errorf("autodiscover: HTTP redirect method: %w", err)
	}
	if loc.Scheme != "https" {
		return "", from, &RedirectError{From: from, To: loc.String(), Err: ErrInsecureRedirect}
	}
	if !legacyPath.MatchString(loc.Path) {
		return "", from, &RedirectError{From: from, To: loc.String(), Err: fmt.Errorf("path %q is not an Autodiscover path", loc.Path)}
	}
	return loc.Host, from, nil
}

// srvTargets returns the hosts of domain's _autodiscover._tcp SRV records
// with port 443. The resolver returns records sorted by priority and
// shuffled by weight (RFC 2782); that order is kept. Other ports are
// ignored, as Exchange clients do: Autodiscover is https on 443.
func (c *Client) srvTargets(ctx context.Context, domain string) ([]string, error) {
	_, addrs, err := c.resolver().LookupSRV(ctx, "autodiscover", "tcp", domain)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range addrs {
		t := strings.TrimSuffix(a.Target, ".")
		if a.Port != 443 || t == "" {
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("autodiscover: no SRV record for %s with port 443", domain)
	}
	return out, nil
}

// hostOf returns the host name of a URL, or "".
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Hostname())
}
