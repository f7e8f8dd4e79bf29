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
			rs, err := c.fetchUsers(ctx, c.newHops(), d, ms, settings)
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
		as, got, err := c.settingsAt(ctx, h, a, ep, opGetUserSettings, mailboxes, settings)
		out = make([]UserResponse, len(as))
		for i, r := range as {
			out[i] = r.user()
		}
		return got, err
	})
	return out, err
}

func newUserSettingsRequest(mailboxes, settings []string) *getUserSettingsRequest {
	r := &getUserSettingsRequest{Settings: settings}
	for _, m := range mailboxes {
		r.Users = append(r.Users, userXML{Mailbox: m})
	}
	return r
}
