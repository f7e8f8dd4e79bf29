package autodiscover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/challenge"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
	"github.com/fedavail/fedavail/internal/xmlscan"
)

// Directory supplies [Handler] with the organization's users and domains.
// Package autodiscovertest checks an implementation against these rules.
//
//   - Mailbox addresses and domains are compared without regard to case.
//   - An unknown user is an error matching ErrUnknownUser (errors.Is), an
//     unknown domain one matching ErrUnknownDomain; a known one is never
//     answered with them. LookupUser never returns (nil, nil).
//   - A user or domain another Autodiscover service answers for is a
//     *MovedError.
//   - A directory that cannot answer now but may later (an LDAP server
//     down or busy) returns a *fedavail.UnavailableError; the handler
//     answers ServerBusy for that user or domain. Any other error is
//     answered InternalServerError and logged.
//   - With a cancelled ctx a lookup either answers as it would otherwise
//     or returns an error wrapping ctx.Err(); never "unknown".
//   - Implementations are safe for concurrent use.
type Directory interface {
	// LookupUser returns mailbox's settings as requester may see them.
	// Requester is nil for an anonymous request.
	LookupUser(ctx context.Context, requester *fedavail.Requester, mailbox string) (*User, error)
	// LookupDomain returns domain's settings. It is also asked, with a nil
	// requester, about a domain GetFederationInformation names that is not
	// one of the organization's federated domains.
	LookupDomain(ctx context.Context, requester *fedavail.Requester, domain string) (Settings, error)
}

// MovedError is what a [Directory] returns for a user or domain that another
// Autodiscover service answers for: a domain hosted elsewhere, a mailbox
// moved to Exchange Online. The handler answers RedirectUrl with URL for that
// user or domain; when every user or domain of a request (or the domain of
// GetFederationInformation) has moved to the same URL, it redirects the whole
// request with HTTP 302, the only whole-request redirect [MS-OXWSADISC]
// clients know (the response-level Response element has no RedirectTarget).
type MovedError struct {
	// URL is the other service's endpoint, such as
	// "https://autodiscover-s.outlook.com/autodiscover/autodiscover.svc".
	URL string
}

func (e *MovedError) Error() string { return "autodiscover: answered by " + redact(e.URL) }

// movedTo returns the URL of a *MovedError in err's chain.
func movedTo(err error) (string, bool) {
	var me *MovedError
	if errors.As(err, &me) && me.URL != "" {
		return me.URL, true
	}
	return "", false
}

// Directory errors.
var (
	// ErrUnknownUser makes the handler answer InvalidUser (POX: error 500).
	ErrUnknownUser = errors.New("autodiscover: unknown user")
	// ErrUnknownDomain makes the handler answer InvalidDomain.
	ErrUnknownDomain = errors.New("autodiscover: unknown domain")
)

// User is what a [Directory] knows about a mailbox.
type User struct {
	// RedirectAddress, if set, is the address to ask for instead (a mailbox
	// moved to another organization); the answer is RedirectAddress.
	RedirectAddress string
	// Settings are all the user's settings; the handler returns those asked
	// for. POX answers are built from UserDisplayName, UserDN,
	// UserDeploymentId, InternalEwsUrl, ExternalEwsUrl, InternalMailboxServer
	// and ExternalMailboxServer.
	Settings Settings
}

// MaxUsersPerRequest is the most mailboxes (or domains) one request may ask
// for, as Exchange limits it; larger requests get InvalidRequest.
const MaxUsersPerRequest = 100

// DefaultMaxRequestBytes bounds request bodies when Handler.MaxRequestBytes is zero.
const DefaultMaxRequestBytes = 1 << 20

// Handler is an Autodiscover service publishing one organization. It serves
// (paths compared case-insensitively, as IIS does):
//
//   - POST /autodiscover/autodiscover.svc: SOAP Autodiscover.
//     GetFederationInformation is anonymous; GetUserSettings and
//     GetDomainSettings need Authenticate to accept the request.
//   - POST /autodiscover/autodiscover.svc/WSSecurity: the same with a delegation
//     token in wsse:Security, checked by Validator for the
//     MSExchange.Autodiscover offer.
//   - GET /autodiscover/autodiscover.xml: the capability probe; answers with
//     X-SOAP-Enabled and X-WSSecurity-Enabled.
//   - POST /autodiscover/autodiscover.xml: POX Autodiscover for users
//     Authenticate accepts.
//
// Failed authentication is HTTP 401, a body over MaxRequestBytes (or cut
// by the server's http.MaxBytesReader) 413, a malformed request a SOAP
// fault. On /WSSecurity the token is found in the header blocks and
// validated before the rest of the body is checked or parsed.
type Handler struct {
	// Federation is the organization's federation information, answered to
	// GetFederationInformation for any of its Domains. An empty
	// ApplicationURI answers NotFederated. Endpoint is not used.
	Federation FederationInformation
	// AcceptedDomains are the organization's domains that are not federated.
	// GetFederationInformation for one of them answers with all of
	// Federation's Domains, as Exchange does: it finds the organization by
	// its accepted domain and publishes the organization's federated
	// domains (GetFederationInformationRequestMessage.Execute).
	AcceptedDomains []string
	// Directory supplies user and domain settings.
	Directory Directory
	// Validator checks delegation tokens on /WSSecurity. Nil refuses them.
	Validator fedavail.TokenValidator
	// Authenticate authenticates requests on the other endpoints by the
	// caller's own scheme (for example Basic against a user store). It returns
	// an error or a nil Requester to refuse. Nil refuses every such request
	// (GetFederationInformation stays anonymous).
	Authenticate func(*http.Request) (*fedavail.Requester, error)
	// ServerVersion is the version the handler announces: in the
	// ServerVersionInfo header, and as CasVersion, ExternalEwsVersion and
	// EwsSupportedSchemas for users whose directory entry has none. Give it
	// the EWS server's version. Zero means DefaultServerVersionInfo.
	ServerVersion ServerVersionInfo
	// MaxRequestBytes bounds request bodies. Zero means DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// Logger receives one line per refused or failed request (never tokens
	// or credentials). Nil discards.
	Logger *slog.Logger
}

func (h *Handler) limits() xmlguard.Limits {
	n := h.MaxRequestBytes
	if n == 0 {
		n = DefaultMaxRequestBytes
	}
	return xmlguard.Limits{MaxBytes: n}
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := strings.TrimSuffix(strings.ToLower(r.URL.Path), "/"); p {
	case soapPath, soapPath + "/wssecurity":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.serveSOAP(w, r, p != soapPath)
	case poxPath:
		switch r.Method {
		case http.MethodGet:
			h.serveCapabilities(w)
		case http.MethodPost:
			h.servePOX(w, r)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	default:
		http.NotFound(w, r)
	}
}

// serveCapabilities answers the unauthenticated GET clients probe with before
// using SOAP (the EWS Managed API reads these headers).
func (h *Handler) serveCapabilities(w http.ResponseWriter) {
	w.Header().Set("X-SOAP-Enabled", "True")
	w.Header().Set("X-WSSecurity-Enabled", "True")
	writePOXError(w, "600", "Invalid Request")
}

func (h *Handler) serveSOAP(w http.ResponseWriter, r *http.Request, wssecurity bool) {
	ctx := r.Context()
	data, status, err := soap.ReadBody(r, h.limits())
	var requester *fedavail.Requester
	if err == nil && wssecurity {
		// The token is found and validated before the body is parsed: a
		// request without a valid one costs the scan of its header only.
		var tok *soap.Element
		if tok, err = soap.HeaderToken(new(xmlscan.Reader), data, h.limits()); err != nil {
			status = http.StatusBadRequest
		} else if requester, err = h.validateToken(ctx, tok); err != nil {
			h.logger().InfoContext(ctx, "autodiscover: unauthorized", "reason", fedavail.ErrorDetail(err))
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	var msg *soap.Message
	if err == nil {
		msg, status, err = soap.DecodeRequest(data, h.limits())
	}
	if err != nil {
		h.logger().InfoContext(ctx, "autodiscover: bad request", "status", status, "err", err)
		if status == http.StatusRequestEntityTooLarge {
			http.Error(w, "request body too large", status)
			return
		}
		senderFault(w, soap.V11, status, err.Error())
		return
	}
	op := operation(r, msg)
	if op == "" {
		senderFault(w, msg.Version, http.StatusBadRequest, "unknown operation")
		return
	}
	if want := op + "RequestMessage"; msg.Body.Name.Local != want || msg.Body.Name.Space != ns.Autodiscover {
		err := error(&fedavail.NamespaceError{Element: msg.Body.Name.Local, Got: msg.Body.Name.Space, Want: ns.Autodiscover})
		if msg.Body.Name.Local != want {
			err = fmt.Errorf("body is <%s>, want <%s>", msg.Body.Name.Local, want)
		}
		senderFault(w, msg.Version, http.StatusBadRequest, err.Error())
		return
	}
	if !wssecurity && op != opGetFederationInformation {
		requester, err = h.authenticate(r)
	}
	if err != nil {
		h.logger().InfoContext(ctx, "autodiscover: unauthorized", "op", op, "reason", fedavail.ErrorDetail(err))
		if !wssecurity && h.Authenticate != nil {
			challenge.Basic(w.Header(), r) // as IIS challenges on the password paths
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var body any
	switch op {
	case opGetFederationInformation:
		body, err = h.getFederationInformation(ctx, msg)
	case opGetUserSettings:
		body, err = h.getUserSettings(ctx, requester, msg)
	case opGetDomainSettings:
		body, err = h.getDomainSettings(ctx, requester, msg)
	}
	if u, ok := movedTo(err); ok {
		h.redirect(w, r, u, wssecurity)
		return
	}
	if err != nil {
		senderFault(w, msg.Version, http.StatusBadRequest, err.Error())
		return
	}
	h.writeSOAP(w, msg, op, body)
}

// redirect sends the whole request to another Autodiscover service, as
// Exchange Online does with its 302 to autodiscover-s.outlook.com. A request
// that came to /WSSecurity is sent to the other service's /WSSecurity.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, to string, wssecurity bool) {
	if wssecurity && strings.HasSuffix(strings.ToLower(to), soapPath) {
		to += "/WSSecurity"
	}
	h.logger().DebugContext(r.Context(), "autodiscover: request redirected", "to", redact(to))
	http.Redirect(w, r, to, http.StatusFound)
}

// operation finds the operation from wsa:Action, the SOAPAction header or
// the action parameter, and else from the body element, since real clients
// do not all send the same ones.
func operation(r *http.Request, msg *soap.Message) string {
	name := soap.ActionName(soap.Action(r, msg))
	if name == "" {
		name = strings.TrimSuffix(msg.Body.Name.Local, "RequestMessage")
	}
	switch name {
	case opGetFederationInformation, opGetUserSettings, opGetDomainSettings:
		return name
	}
	return ""
}

// validateToken has the token found in the wsse:Security header (nil for
// none) validated for Autodiscover.
func (h *Handler) validateToken(ctx context.Context, tok *soap.Element) (*fedavail.Requester, error) {
	if tok == nil {
		return nil, errors.New("autodiscover: no token in wsse:Security")
	}
	if h.Validator == nil {
		return nil, errors.New("autodiscover: no token validator configured")
	}
	return h.Validator.ValidateToken(ctx, tok.Standalone(), fedavail.OfferAutodiscover)
}

func (h *Handler) authenticate(r *http.Request) (*fedavail.Requester, error) {
	if h.Authenticate == nil {
		return nil, errors.New("autodiscover: no authenticator configured")
	}
	req, err := h.Authenticate(r)
	if err == nil && req == nil {
		err = errors.New("autodiscover: authenticator refused the request")
	}
	return req, err
}

func senderFault(w http.ResponseWriter, v soap.Version, status int, reason string) {
	code := "Client"
	if v == soap.V12 {
		code = "Sender"
	}
	soap.WriteFault(w, v, &fedavail.Fault{Code: code, Reason: reason, HTTPStatus: status})
}
