package autodiscover

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// ErrNoAnswer is a per-user or per-domain error when the server answered
// fewer users or domains than asked (Exchange does so when throttled).
var ErrNoAnswer = errors.New("autodiscover: the server did not answer for this mailbox or domain")

// GetUserSettings asks for settings of mailboxes, e.g.
//
//	c.GetUserSettings(ctx, []string{"bob@fabrikam.com"}, autodiscover.ExternalEwsURL, autodiscover.ExternalEwsVersion)
//
// The answers are in the order of mailboxes. Per-user problems (InvalidUser,
// a redirect that could not be followed) are in UserResponse.Err and
// per-setting ones in UserResponse.SettingErrors; the error returned is for
// a request that failed as a whole (no endpoint found, a whole-request
// *Error, a transport error), and the users it covered carry it in Err too.
// Mailboxes of several domains are asked for domain by domain. RedirectAddress
// and RedirectUrl answers are followed; answers are cached per user and
// settings.
func (c *Client) GetUserSettings(ctx context.Context, mailboxes []string, settings ...string) ([]UserResponse, error) {
	c.init()
	if len(mailboxes) == 0 {
		return nil, &InputError{What: "mailbox", Value: ""}
	}
	if len(settings) == 0 {
		return nil, &InputError{What: "settings", Value: ""}
	}
	skey := settingsKey(settings)
	out := make([]UserResponse, len(mailboxes))
	byDomain := map[string][]int{}
	var domains []string
	for i, m := range mailboxes {
		out[i].Mailbox = m
		d, err := mailboxDomain(m)
		if err != nil {
			return nil, err
		}
		if r, ok := c.users.get(userKey(m, skey)); ok {
			out[i] = r
			out[i].Mailbox = m
			continue
		}
		if _, seen := byDomain[d]; !seen {
			domains = append(domains, d)
		}
		byDomain[d] = append(byDomain[d], i)
	}
	var firstErr error
	for _, d := range domains {
		idx := byDomain[d]
		ms := make([]string, len(idx))
		for j, i := range idx {
			ms[j] = mailboxes[i]
		}
		key := d + "\x00" + strings.ToLower(strings.Join(ms, ",")) + "\x00" + skey
		rs, err := c.batches.do(ctx, key, false, func() ([]UserResponse, error) {
			rs, err := c.fetchUsers(ctx, newHops(c.RedirectPolicy), d, ms, settings)
			for _, r := range rs {
				if err == nil && r.Err == nil {
					c.users.put(userKey(r.Mailbox, skey), r)
				}
			}
			return rs, err
		})
		for j, i := range idx {
			if err != nil {
				out[i].Err = err
				continue
			}
			out[i] = rs[j]
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return out, firstErr
}

func settingsKey(settings []string) string {
	s := slices.Clone(settings)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

func userKey(mailbox, skey string) string { return strings.ToLower(mailbox) + "\x00" + skey }

// fetchUsers discovers domain's endpoint and asks it for mailboxes.
func (c *Client) fetchUsers(ctx context.Context, h *hops, domain string, mailboxes, settings []string) ([]UserResponse, error) {
	a, err := c.authFor(ctx, domain)
	if err != nil {
		return nil, err
	}
	var out []UserResponse
	err = c.withEndpoint(ctx, domain, soapPath, rootFirst, h, func(ep string, h *hops) (string, error) {
		rs, got, err := c.usersAt(ctx, h, a, ep, mailboxes, settings)
		out = rs
		return got, err
	})
	return out, err
}

// usersAt asks one endpoint for mailboxes and follows per-user redirects.
func (c *Client) usersAt(ctx context.Context, h *hops, a *auth, ep string, mailboxes, settings []string) ([]UserResponse, string, error) {
	var resp getUserSettingsResponse
	got, err := c.post(ctx, h, a, ep, opGetUserSettings, newUserSettingsRequest(mailboxes, settings), &resp)
	if err != nil {
		return nil, got, err
	}
	r := &resp.Response
	if err := codeError(r.ErrorCode, r.ErrorMessage, ""); err != nil {
		return nil, got, err
	}
	out := make([]UserResponse, len(mailboxes))
	for i, m := range mailboxes {
		out[i] = UserResponse{Mailbox: m, Endpoint: got}
		if i >= len(r.UserResponses) {
			out[i].Err = ErrNoAnswer
			continue
		}
		ur := &r.UserResponses[i]
		for j := range ur.Settings {
			out[i].Settings = append(out[i].Settings, ur.Settings[j].setting())
		}
		out[i].SettingErrors = settingErrors(ur.SettingErrors)
		out[i].Err = codeError(ur.ErrorCode, ur.ErrorMessage, m)
		target := strings.TrimSpace(string(ur.RedirectTarget))
		switch strings.TrimSpace(string(ur.ErrorCode)) {
		case string(RedirectAddress):
			// Each user's chain of addresses is its own: another user of the
			// batch being the target is no loop.
			hf := h.fork()
			hf.visit("mailto:" + m)
			out[i] = c.followAddress(ctx, hf, a, m, target, settings)
		case string(RedirectURL):
			out[i] = c.followURL(ctx, h.fork(), a, got, m, target, settings)
		}
	}
	return out, got, nil
}

// followAddress restarts the look-up for the address a RedirectAddress answer names.
func (c *Client) followAddress(ctx context.Context, h *hops, a *auth, mailbox, target string, settings []string) UserResponse {
	if err := h.address(mailbox, target); err != nil {
		return UserResponse{Mailbox: mailbox, Err: err}
	}
	fail := func(err error) UserResponse { return UserResponse{Mailbox: mailbox, Err: err, RedirectedTo: target} }
	d, err := mailboxDomain(target)
	if err != nil {
		return fail(err)
	}
	var rs []UserResponse
	err = c.withEndpoint(ctx, d, soapPath, rootFirst, h, func(ep string, h *hops) (string, error) {
		var got string
		var err error
		rs, got, err = c.usersAt(ctx, h, a, ep, []string{target}, settings)
		return got, err
	})
	if err != nil {
		return fail(err)
	}
	return redirected(rs[0], mailbox, target)
}

// followURL asks the endpoint a RedirectUrl answer names.
func (c *Client) followURL(ctx context.Context, h *hops, a *auth, from, mailbox, target string, settings []string) UserResponse {
	if err := h.follow(wireURL(from, a.token != nil), target); err != nil {
		return UserResponse{Mailbox: mailbox, Err: err}
	}
	rs, _, err := c.usersAt(ctx, h, a, baseEndpoint(target), []string{mailbox}, settings)
	if err != nil {
		return UserResponse{Mailbox: mailbox, Err: err}
	}
	return rs[0]
}

func redirected(r UserResponse, mailbox, target string) UserResponse {
	if r.RedirectedTo == "" {
		r.RedirectedTo = target
	}
	r.Mailbox = mailbox
	return r
}

func newUserSettingsRequest(mailboxes, settings []string) *getUserSettingsRequest {
	r := &getUserSettingsRequest{Settings: settings}
	for _, m := range mailboxes {
		r.Users = append(r.Users, userXML{Mailbox: m})
	}
	return r
}
