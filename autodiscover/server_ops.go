package autodiscover

import (
	"context"
	"errors"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
)

func (h *Handler) getFederationInformation(ctx context.Context, msg *soap.Message) (any, error) {
	var req getFederationInformationRequest
	if err := msg.Body.Decode(&req); err != nil {
		return nil, err
	}
	r := federationInformationXML{XSI: xsiDecl, ErrorCode: NoError}
	d := strings.ToLower(strings.TrimSpace(req.Domain))
	switch {
	case d == "":
		r.ErrorCode, r.ErrorMessage = InvalidRequest, "No domain was given."
	case h.Federation.ApplicationURI == "":
		r.ErrorCode, r.ErrorMessage = NotFederated, "The organization is not federated."
	case !containsFold(h.Federation.Domains, d) && !containsFold(h.AcceptedDomains, d):
		if h.Directory != nil {
			if _, err := h.Directory.LookupDomain(ctx, nil, d); err != nil {
				if u, ok := movedTo(err); ok {
					return nil, &MovedError{URL: u}
				}
			}
		}
		r.ErrorCode, r.ErrorMessage = InvalidDomain, "The domain is not a federated domain of this organization."
	default:
		r.ApplicationURI = h.Federation.ApplicationURI
		r.Domains = h.Federation.Domains
		for _, t := range h.Federation.TokenIssuers {
			r.TokenIssuers = append(r.TokenIssuers, tokenIssuerXML{Endpoint: t.Endpoint, URI: t.URI})
		}
	}
	return &getFederationInformationResponse{Response: r}, nil
}

func (h *Handler) getUserSettings(ctx context.Context, requester *fedavail.Requester, msg *soap.Message) (any, error) {
	var req getUserSettingsRequest
	if err := msg.Body.Decode(&req); err != nil {
		return nil, err
	}
	r := userResponsesXML{XSI: xsiDecl, ErrorCode: NoError}
	if code, m := checkRequest(len(req.Users), len(req.Settings), "mailbox"); code != NoError || h.Directory == nil {
		r.ErrorCode, r.ErrorMessage = code, m
		if h.Directory == nil {
			r.ErrorCode, r.ErrorMessage = InternalServerError, "No directory is configured."
		}
		return &getUserSettingsResponse{Response: r}, nil
	}
	var moved movedSet
	for _, u := range req.Users {
		m := strings.TrimSpace(u.Mailbox)
		ur := userResponseXML{ErrorCode: NoError}
		u, err := h.Directory.LookupUser(ctx, requester, m)
		to, isMoved := movedTo(err)
		moved.add(to)
		switch {
		case isMoved:
			ur.ErrorCode, ur.ErrorMessage, ur.RedirectTarget = RedirectURL, "Redirection URL.", nillable(to)
		case errors.Is(err, ErrUnknownUser):
			ur.ErrorCode, ur.ErrorMessage = InvalidUser, "Invalid user: '"+m+"'"
		case isUnavailable(err):
			h.logger().WarnContext(ctx, "autodiscover: directory unavailable", "mailbox", m, "err", err)
			ur.ErrorCode, ur.ErrorMessage = ServerBusy, serverBusyMessage
		case err != nil || u == nil:
			h.logger().ErrorContext(ctx, "autodiscover: directory lookup failed", "mailbox", m, "err", err)
			ur.ErrorCode, ur.ErrorMessage = InternalServerError, "The directory could not be read."
		case u.RedirectAddress != "":
			ur.ErrorCode, ur.ErrorMessage, ur.RedirectTarget = RedirectAddress, "Redirection address.", nillable(u.RedirectAddress)
		default:
			ur.ErrorMessage = "No error."
			ur.Settings, ur.SettingErrors = pick(h.serverSettings(u.Settings), req.Settings, IsKnownUserSetting, false)
		}
		r.UserResponses = append(r.UserResponses, ur)
	}
	if err := moved.whole(); err != nil {
		return nil, err
	}
	return &getUserSettingsResponse{Response: r}, nil
}

func (h *Handler) getDomainSettings(ctx context.Context, requester *fedavail.Requester, msg *soap.Message) (any, error) {
	var req getDomainSettingsRequest
	if err := msg.Body.Decode(&req); err != nil {
		return nil, err
	}
	r := domainResponsesXML{XSI: xsiDecl, ErrorCode: NoError}
	if code, m := checkRequest(len(req.Domains), len(req.Settings), "domain"); code != NoError || h.Directory == nil {
		r.ErrorCode, r.ErrorMessage = code, m
		if h.Directory == nil {
			r.ErrorCode, r.ErrorMessage = InternalServerError, "No directory is configured."
		}
		return &getDomainSettingsResponse{Response: r}, nil
	}
	var moved movedSet
	for _, d := range req.Domains {
		d = strings.TrimSpace(d)
		dr := domainResponseXML{ErrorCode: NoError}
		ss, err := h.Directory.LookupDomain(ctx, requester, d)
		to, isMoved := movedTo(err)
		moved.add(to)
		switch {
		case isMoved:
			dr.ErrorCode, dr.ErrorMessage, dr.RedirectTarget = RedirectURL, "Redirection URL.", nillable(to)
		case errors.Is(err, ErrUnknownDomain):
			dr.ErrorCode, dr.ErrorMessage = InvalidDomain, "Invalid domain: '"+d+"'"
		case isUnavailable(err):
			h.logger().WarnContext(ctx, "autodiscover: directory unavailable", "domain", d, "err", err)
			dr.ErrorCode, dr.ErrorMessage = ServerBusy, serverBusyMessage
		case err != nil:
			h.logger().ErrorContext(ctx, "autodiscover: directory lookup failed", "domain", d, "err", err)
			dr.ErrorCode, dr.ErrorMessage = InternalServerError, "The directory could not be read."
		default:
			dr.ErrorMessage = "No error."
			dr.Settings, dr.SettingErrors = pick(ss, req.Settings, IsKnownDomainSetting, true)
		}
		r.DomainResponses = append(r.DomainResponses, dr)
	}
	if err := moved.whole(); err != nil {
		return nil, err
	}
	return &getDomainSettingsResponse{Response: r}, nil
}

// movedSet tracks where the subjects of one request have moved, to tell
// whether the whole request belongs elsewhere.
type movedSet struct {
	url       string
	all, some bool
}

// add records one subject: the URL it moved to, or "" for one answered here.
func (m *movedSet) add(url string) {
	switch {
	case !m.some:
		m.some, m.all, m.url = true, url != "", url
	case url != m.url:
		m.all = false
	}
}

// whole returns a *MovedError when every subject moved to the same URL.
func (m *movedSet) whole() error {
	if m.some && m.all {
		return &MovedError{URL: m.url}
	}
	return nil
}

// checkRequest applies Exchange's limits on the shape of a request.
func checkRequest(subjects, settings int, what string) (ErrorCode, string) {
	switch {
	case subjects == 0:
		return InvalidRequest, "No " + what + " was given."
	case subjects > MaxUsersPerRequest:
		return InvalidRequest, "Too many " + what + "s in one request."
	case settings == 0:
		return InvalidRequest, "No setting was requested."
	}
	return NoError, ""
}

// pick returns the requested settings the subject has, and an error for
// each requested one it cannot return: InvalidSetting for a name Exchange
// does not define, SettingIsNotAvailable for one it has no value for.
func pick(have Settings, requested []string, known func(string) bool, domain bool) ([]settingXML, []settingErrorXML) {
	var out []settingXML
	var errs []settingErrorXML
	for _, name := range requested {
		name = strings.TrimSpace(name)
		s, ok := have.Lookup(name)
		switch {
		case !known(name):
			errs = append(errs, settingErrorXML{ErrorCode: InvalidSetting, ErrorMessage: "The requested setting is invalid.", SettingName: name})
		case !ok:
			errs = append(errs, settingErrorXML{ErrorCode: SettingIsNotAvailable, ErrorMessage: "The requested setting is not available.", SettingName: name})
		default:
			out = append(out, settingToXML(*s, domain))
		}
	}
	return out, errs
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}

// serverBusyMessage goes with ServerBusy for a directory that said
// "busy, retry later" (*fedavail.UnavailableError). Exchange answers
// ServerBusy for a requester over its budget and InternalServerError for a
// directory exception (GetUserSettingsRequestMessage.Execute), both for the
// whole response; ServerBusy, per user or domain, is the code of its set
// that tells the asker to come back, so a directory that knows it will
// recover gets it.
const serverBusyMessage = "The directory is temporarily unavailable. Try again later."

func isUnavailable(err error) bool {
	var ue *fedavail.UnavailableError
	return errors.As(err, &ue)
}
