package autodiscover

import (
	"context"
	"strings"
)

// GetDomainSettings asks for settings of domains (ExternalEwsUrl and
// ExternalEwsVersion are the ones Exchange defines). It works like
// [Client.GetUserSettings]: answers in the order of domains, per-domain
// errors in DomainResponse.Err, per-setting errors in SettingErrors, the
// returned error for a request that failed as a whole. The endpoint is
// discovered from the first domain; RedirectUrl answers are followed.
func (c *Client) GetDomainSettings(ctx context.Context, domains []string, settings ...string) ([]DomainResponse, error) {
	c.init()
	if len(domains) == 0 {
		return nil, &InputError{What: "domain", Value: ""}
	}
	if len(settings) == 0 {
		return nil, &InputError{What: "settings", Value: ""}
	}
	ds := make([]string, len(domains))
	for i, d := range domains {
		n, err := normalizeDomain(d)
		if err != nil {
			return nil, err
		}
		ds[i] = n
	}
	skey := settingsKey(settings)
	key := strings.Join(ds, ",") + "\x00" + skey
	if rs, ok := c.domainsCached(ds, skey); ok {
		return rs, nil
	}
	return c.dbatches.do(ctx, key, false, func() ([]DomainResponse, error) {
		rs, err := c.fetchDomains(ctx, ds, settings)
		for _, r := range rs {
			if err == nil && r.Err == nil {
				c.domains.put(r.Domain+"\x00"+skey, r)
			}
		}
		return rs, err
	})
}

func (c *Client) domainsCached(ds []string, skey string) ([]DomainResponse, bool) {
	out := make([]DomainResponse, len(ds))
	for i, d := range ds {
		r, ok := c.domains.get(d + "\x00" + skey)
		if !ok {
			return nil, false
		}
		out[i] = r
	}
	return out, true
}

func (c *Client) fetchDomains(ctx context.Context, domains, settings []string) ([]DomainResponse, error) {
	a, err := c.authFor(ctx, domains[0])
	if err != nil {
		return nil, err
	}
	var out []DomainResponse
	err = c.withEndpoint(ctx, domains[0], soapPath, rootFirst, c.newHops(), func(ep string, h *hops) (string, error) {
		as, got, err := c.settingsAt(ctx, h, a, ep, opGetDomainSettings, domains, settings)
		out = make([]DomainResponse, len(as))
		for i, r := range as {
			out[i] = r.domain()
		}
		return got, err
	})
	return out, err
}
