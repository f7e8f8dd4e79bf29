package autodiscover

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrorCode is an Autodiscover error code ([MS-OXWSADISC] ErrorCode). It
// appears at three levels: for the whole request, for one user or domain, and
// for one setting.
type ErrorCode string

// Error codes Autodiscover servers send.
const (
	NoError               ErrorCode = "NoError"
	RedirectAddress       ErrorCode = "RedirectAddress"
	RedirectURL           ErrorCode = "RedirectUrl"
	InvalidUser           ErrorCode = "InvalidUser"
	InvalidRequest        ErrorCode = "InvalidRequest"
	InvalidSetting        ErrorCode = "InvalidSetting"
	SettingIsNotAvailable ErrorCode = "SettingIsNotAvailable"
	ServerBusy            ErrorCode = "ServerBusy"
	InvalidDomain         ErrorCode = "InvalidDomain"
	NotFederated          ErrorCode = "NotFederated"
	InternalServerError   ErrorCode = "InternalServerError"
)

// Error is an Autodiscover error answer: for the whole request (Subject is
// empty) or for one user or domain (Subject is the mailbox or domain).
// Compare codes with errors.Is against the sentinels ([ErrNotFederated],
// [ErrInvalidUser], …) or read Code after errors.As.
type Error struct {
	// Code is the server's error code.
	Code ErrorCode
	// Message is the server's ErrorMessage, possibly empty.
	Message string
	// Subject is the mailbox or domain the error is about, or "" for the request.
	Subject string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("autodiscover: ")
	if e.Subject != "" {
		b.WriteString(e.Subject + ": ")
	}
	b.WriteString(string(e.Code))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Is reports whether target is a sentinel *Error (no Subject, no Message)
// with the same code, so errors.Is(err, ErrServerBusy) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Subject == "" && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is. They match any *Error with the same code.
var (
	ErrInvalidUser         = &Error{Code: InvalidUser}
	ErrInvalidRequest      = &Error{Code: InvalidRequest}
	ErrInvalidSetting      = &Error{Code: InvalidSetting}
	ErrSettingNotAvailable = &Error{Code: SettingIsNotAvailable}
	ErrServerBusy          = &Error{Code: ServerBusy}
	ErrInvalidDomain       = &Error{Code: InvalidDomain}
	ErrNotFederated        = &Error{Code: NotFederated}
	ErrInternalServerError = &Error{Code: InternalServerError}
)

// SettingError is a per-setting error of a user or domain answer: the setting
// was not returned, the others were.
type SettingError struct {
	// Name is the setting's name.
	Name string
	// Code is InvalidSetting (the server does not know the name) or
	// SettingIsNotAvailable (it has no value for this user), usually.
	Code ErrorCode
	// Message is the server's ErrorMessage.
	Message string
}

func (e *SettingError) Error() string {
	s := fmt.Sprintf("autodiscover: setting %s: %s", e.Name, e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches the code sentinels, like [Error.Is].
func (e *SettingError) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Subject == "" && t.Message == "" && t.Code == e.Code
}

// Redirect errors.
var (
	// ErrTooManyRedirects is returned after more than [MaxHops] redirects.
	ErrTooManyRedirects = errors.New("autodiscover: too many redirects")
	// ErrRedirectLoop is returned when a redirect leads back to a URL or
	// address already visited.
	ErrRedirectLoop = errors.New("autodiscover: redirect loop")
	// ErrInsecureRedirect is returned by [DefaultRedirectPolicy] (and always
	// for a same-host redirect) when the target is not https.
	ErrInsecureRedirect = errors.New("autodiscover: redirect to a URL that is not https")
)

// RedirectError is returned when a redirect was refused.
type RedirectError struct {
	// From and To are the URLs of the hop.
	From, To string
	// Err is why: ErrInsecureRedirect, ErrRedirectLoop, ErrTooManyRedirects or
	// the RedirectPolicy's error.
	Err error
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("autodiscover: redirect from %s to %s refused: %v", redact(e.From), redact(e.To), e.Err)
}

func (e *RedirectError) Unwrap() error { return e.Err }

// OrganizationError is a mailbox's error when a RedirectAddress leads to a
// mailbox of another organization than the one the look-up's delegation
// token is for, and Client.AudienceFor did not name that organization's
// audience (it is nil, or refused with Err). The token is not sent there: it
// was minted for the first organization only.
type OrganizationError struct {
	// Mailbox is the address asked for; Target the address it was redirected to.
	Mailbox, Target string
	// Audience is the audience of the token the look-up holds.
	Audience string
	// Err is Client.AudienceFor's error, or nil when it is not set.
	Err error
}

func (e *OrganizationError) Error() string {
	s := fmt.Sprintf("autodiscover: %s redirects to %s in another organization than the token's audience %q", e.Mailbox, e.Target, e.Audience)
	if e.Err != nil {
		return s + ": " + e.Err.Error()
	}
	return s + "; set Client.AudienceFor to follow such redirects"
}

func (e *OrganizationError) Unwrap() error { return e.Err }

// Attempt is one endpoint tried during discovery and why it failed.
type Attempt struct {
	// URL is the endpoint (or DNS name, for the SRV step).
	URL string
	// Err is why it did not answer usefully.
	Err error
}

// DiscoveryError is returned when no Autodiscover endpoint answered for a
// domain. Unwrap gives the attempts' errors, so errors.Is(err,
// fedavail.ErrUnauthorized) tells whether any endpoint refused credentials.
type DiscoveryError struct {
	// Domain is the domain whose endpoint was sought.
	Domain string
	// Attempts are the endpoints tried, in order.
	Attempts []Attempt
}

func (e *DiscoveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "autodiscover: no endpoint found for %s", e.Domain)
	for i, a := range e.Attempts {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %v", redact(a.URL), a.Err)
		if i == len(e.Attempts)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// Unwrap returns the attempts' errors.
func (e *DiscoveryError) Unwrap() []error {
	out := make([]error, 0, len(e.Attempts))
	for _, a := range e.Attempts {
		out = append(out, a.Err)
	}
	return out
}

// redact drops user information and the query of a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
