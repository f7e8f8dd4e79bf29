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
	err = c.withEndpoint(ctx, domains[0], soapPath, rootFirst, newHops(c.RedirectPolicy), func(ep string, h *hops) (string, error) {
		rs, got, err := c.domainsAt(ctx, h, a, ep, domains, settings)
		out = rs
		return got, err
	})
	return out, err
}

func (c *Client) domainsAt(ctx context.Context, h *hops, a *auth, ep string, domains, settings []string) ([]DomainResponse, string, error) {
	var resp getDomainSettingsResponse
	got, err := c.post(ctx, h, a, ep, opGetDomainSettings, &getDomainSettingsRequest{Domains: domains, Settings: settings}, &resp)
	if err != nil {
		return nil, got, err
	}
	r := &resp.Response
	if err := codeError(r.ErrorCode, r.ErrorMessage, ""); err != nil {
		return nil, got, err
	}
	out := make([]DomainResponse, len(domains))
	for i, d := range domains {
		out[i] = DomainResponse{Domain: d, Endpoint: got}
		if i >= len(r.DomainResponses) {
			out[i].Err = ErrNoAnswer
			continue
		}
		dr := &r.DomainResponses[i]
		for j := range dr.Settings {
			out[i].Settings = append(out[i].Settings, dr.Settings[j].setting())
		}
		out[i].SettingErrors = settingErrors(dr.SettingErrors)
		out[i].Err = codeError(dr.ErrorCode, dr.ErrorMessage, d)
		if strings.TrimSpace(string(dr.ErrorCode)) == string(RedirectURL) {
			target := strings.TrimSpace(string(dr.RedirectTarget))
			hf := h.fork()
			if err := hf.follow(wireURL(got, a.token != nil), target); err != nil {
				out[i] = DomainResponse{Domain: d, Err: err}
				continue
			}
			rs, _, err := c.domainsAt(ctx, hf, a, baseEndpoint(target), []string{d}, settings)
			if err != nil {
				out[i] = DomainResponse{Domain: d, Err: err}
				continue
			}
			out[i] = rs[0]
		}
	}
	return out, got, nil
}
