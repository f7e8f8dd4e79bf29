package autodiscover

import (
	"context"
	"strings"
)

// GetUserSettings and GetDomainSettings have the same shape: a list of
// subjects (mailboxes or domains), one answer each, each of which may be a
// redirect to follow. This file holds what they share.

// answer is one user's or domain's answer.
type answer struct {
	subject       string
	err           error
	address       string // the last RedirectAddress followed
	url           string // the last RedirectUrl followed
	settings      Settings
	settingErrors []*SettingError
	endpoint      string
}

func (r *answer) user() UserResponse {
	return UserResponse{Mailbox: r.subject, Err: r.err, RedirectedTo: r.address, Settings: r.settings, SettingErrors: r.settingErrors, Endpoint: r.endpoint}
}

func (r *answer) domain() DomainResponse {
	return DomainResponse{Domain: r.subject, Err: r.err, RedirectedTo: r.url, Settings: r.settings, SettingErrors: r.settingErrors, Endpoint: r.endpoint}
}

// subjectXML is the part of a UserResponse or DomainResponse the client reads.
type subjectXML struct {
	code          ErrorCode
	message       string
	target        nillable
	settings      []settingXML
	settingErrors []settingErrorXML
}

// exchange posts one GetUserSettings or GetDomainSettings request to ep and
// returns the endpoint that answered, the whole-request error code and
// message, and the per-subject answers.
func (c *Client) exchange(ctx context.Context, h *hops, a *auth, ep, op string, subjects, settings []string) (got string, code ErrorCode, msg string, out []subjectXML, err error) {
	if op == opGetDomainSettings {
		var resp getDomainSettingsResponse
		got, err = c.post(ctx, h, a, ep, op, &getDomainSettingsRequest{Domains: subjects, Settings: settings}, &resp)
		r := &resp.Response
		for _, d := range r.DomainResponses {
			out = append(out, subjectXML{d.ErrorCode, d.ErrorMessage, d.RedirectTarget, d.Settings, d.SettingErrors})
		}
		return got, r.ErrorCode, r.ErrorMessage, out, err
	}
	var resp getUserSettingsResponse
	got, err = c.post(ctx, h, a, ep, op, newUserSettingsRequest(subjects, settings), &resp)
	r := &resp.Response
	for _, u := range r.UserResponses {
		out = append(out, subjectXML{u.ErrorCode, u.ErrorMessage, u.RedirectTarget, u.Settings, u.SettingErrors})
	}
	return got, r.ErrorCode, r.ErrorMessage, out, err
}

// settingsAt asks one endpoint about subjects and follows each one's
// redirects: RedirectUrl for both operations, RedirectAddress for users.
// Each subject's chain of redirects is its own, so that another subject of
// the batch being a target is no loop.
func (c *Client) settingsAt(ctx context.Context, h *hops, a *auth, ep, op string, subjects, settings []string) ([]answer, string, error) {
	got, code, msg, rs, err := c.exchange(ctx, h, a, ep, op, subjects, settings)
	if err != nil {
		return nil, got, err
	}
	if err := codeError(code, msg, ""); err != nil {
		return nil, got, err
	}
	out := make([]answer, len(subjects))
	for i, s := range subjects {
		out[i] = answer{subject: s, endpoint: got}
		if i >= len(rs) {
			out[i].err = ErrNoAnswer
			continue
		}
		r := &rs[i]
		for j := range r.settings {
			out[i].settings = append(out[i].settings, r.settings[j].setting())
		}
		out[i].settingErrors = settingErrors(r.settingErrors)
		out[i].err = codeError(r.code, r.message, s)
		target := strings.TrimSpace(string(r.target))
		switch ErrorCode(strings.TrimSpace(string(r.code))) {
		case RedirectAddress:
			if op == opGetUserSettings {
				hf := h.fork()
				hf.visit("mailto:" + s)
				out[i] = c.followAddress(ctx, hf, a, s, target, settings)
			}
		case RedirectURL:
			out[i] = c.followURL(ctx, h.fork(), a, op, got, s, target, settings)
		}
	}
	return out, got, nil
}

// followAddress restarts the look-up for the address a RedirectAddress
// answer names. An address in another organization needs a token of its own
// (see [Client.AudienceFor]).
func (c *Client) followAddress(ctx context.Context, h *hops, a *auth, mailbox, target string, settings []string) answer {
	if err := h.address(mailbox, target); err != nil {
		return answer{subject: mailbox, err: err}
	}
	fail := func(err error) answer { return answer{subject: mailbox, err: err, address: target} }
	d, err := mailboxDomain(target)
	if err != nil {
		return fail(err)
	}
	if a, err = c.authAcross(ctx, a, mailbox, target, d); err != nil {
		return fail(err)
	}
	var rs []answer
	at := func(ep string, h *hops) (string, error) {
		var got string
		var err error
		rs, got, err = c.settingsAt(ctx, h, a, ep, opGetUserSettings, []string{target}, settings)
		return got, err
	}
	// A configured Endpoint serves the domain the look-up started in; an
	// address in another domain is discovered like any other.
	if from, _ := mailboxDomain(mailbox); from == d {
		err = c.withEndpoint(ctx, d, soapPath, rootFirst, h, at)
	} else {
		err = c.discover(ctx, d, soapPath, rootFirst, h, at)
	}
	if err != nil {
		return fail(err)
	}
	r := rs[0]
	if r.address == "" {
		r.address = target
	}
	r.subject = mailbox
	return r
}

// followURL asks the endpoint a RedirectUrl answer names about the same
// subject. The subject, and so its organization and the token's audience,
// stay the same: only the endpoint changes, and it must pass the
// RedirectPolicy like any other hop.
func (c *Client) followURL(ctx context.Context, h *hops, a *auth, op, from, subject, target string, settings []string) answer {
	if err := h.follow(wireURL(from, a.token != nil), target); err != nil {
		return answer{subject: subject, err: err, url: target}
	}
	rs, _, err := c.settingsAt(ctx, h, a, baseEndpoint(target), op, []string{subject}, settings)
	if err != nil {
		return answer{subject: subject, err: err, url: target}
	}
	r := rs[0]
	if r.url == "" {
		r.url = target
	}
	return r
}
