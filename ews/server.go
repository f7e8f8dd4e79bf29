package ews

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/internal/challenge"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/required"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Server defaults, Exchange's own limits.
const (
	// DefaultMaxMailboxes is how many mailboxes one request may ask about.
	DefaultMaxMailboxes = 100
	// DefaultMaxWindow is the longest free/busy or suggestions window:
	// Exchange's MaximumQueryIntervalDays default of 62, counted as it
	// counts, in whole days (62 days and 23 hours pass, 63 days do not).
	DefaultMaxWindow = 62 * 24 * time.Hour
	// DefaultMaxBodyBytes is the largest request body: Exchange's
	// MaximumRequestStreamSize default (409,600 bytes) for availability
	// requests, room for 100 mailboxes, both views and a delegation token
	// many times over.
	DefaultMaxBodyBytes = 409600
	// DefaultMaxAnswerBytes caps an answer's size. Exchange has no such
	// cap; fedavail has one because repeated mailboxes and suggestions
	// (every suggestion lists every mailbox) otherwise let a 20 KB request
	// cost tens of megabytes. 8 MiB holds 100 mailboxes with three detailed
	// items a day for 62 days; a mailbox past it is answered
	// ErrorResultSetTooBig, and clients ask again for fewer.
	DefaultMaxAnswerBytes = 8 << 20
	// DefaultMergedInterval is the merged free/busy interval when a request
	// names none.
	DefaultMergedInterval = 30 * time.Minute
	// defaultConcurrency is how many mailboxes are read at once.
	defaultConcurrency = 8
)

// HandlerConfig configures [NewHandler]. Calendars and Policy are required;
// every other field has a useful zero value.
type HandlerConfig struct {
	// Calendars is where mailboxes' items and working hours come from.
	Calendars calendar.Source
	// Policy decides how much of each mailbox a requester may see.
	Policy fedavail.AccessPolicy
	// Tokens validates the delegation tokens of federated requests, which
	// arrive on paths containing "/WSSecurity" (any case). Nil refuses all
	// federated requests with HTTP 401. The token bytes it is given are in
	// a buffer the handler reuses: it must keep nothing of them (see
	// [fedavail.TokenValidator]).
	Tokens fedavail.TokenValidator
	// Authenticate identifies internal users on the other paths (with Basic
	// authentication, a session, mutual TLS…). It must not return a
	// Requester with Federated set. Nil refuses those requests with HTTP 401.
	Authenticate func(*http.Request) (*fedavail.Requester, error)
	// Logger receives one line per request and the reasons of refusals;
	// never tokens, credentials, subjects or locations. Nil discards.
	Logger *slog.Logger
	// Now is the clock, used to pick the year of time-zone rules; nil
	// means time.Now.
	Now func() time.Time
	// MaxBodyBytes caps a request's size (HTTP 413 beyond); 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxMailboxes caps the mailboxes of one request; 0 means
	// DefaultMaxMailboxes.
	MaxMailboxes int
	// MaxWindow caps the free/busy and suggestions windows, compared in
	// whole days as Exchange compares them; 0 means DefaultMaxWindow.
	MaxWindow time.Duration
	// MaxAnswerBytes caps the size of a GetUserAvailability answer: the
	// free/busy of the mailboxes past it, or the suggestions, are answered
	// ErrorResultSetTooBig instead. 0 means DefaultMaxAnswerBytes.
	MaxAnswerBytes int
	// Concurrency caps how many mailboxes of one request are read at once;
	// 0 means 8.
	Concurrency int
	// ServerVersion is sent in the ServerVersionInfo header of answers;
	// the zero value announces Exchange 2016 (15.1).
	ServerVersion ServerVersion
	// Limiter, if set, is asked about every authenticated request, keyed
	// by the requester's domain; refusals are answered with an
	// ErrorServerBusy fault carrying BackOffMilliseconds. A Limiter that
	// is also a [CostLimiter] is charged, besides, for the work of a
	// GetUserAvailability request (see [CostLimiter]). See
	// [NewPartnerLimiter]. Nil serves every request.
	Limiter Limiter
}

// ServerVersion is what the server says it is in the ServerVersionInfo
// answer header. Clients such as Outlook pick features by it.
type ServerVersion struct {
	MajorVersion, MinorVersion         int
	MajorBuildNumber, MinorBuildNumber int
	// Version is the schema version name, for example "V2017_07_11".
	Version string
}

var defaultServerVersion = ServerVersion{MajorVersion: 15, MinorVersion: 1, MajorBuildNumber: 2507, MinorBuildNumber: 6, Version: "V2017_07_11"}

// Handler is the EWS availability endpoint: an http.Handler answering
// GetUserAvailability and GetServerTimeZones. Create it with [NewHandler];
// it is safe for concurrent use.
type Handler struct {
	cfg    HandlerConfig
	log    *slog.Logger
	limits xmlguard.Limits
	// zones caches GetServerTimeZones definitions per year.
	zonesMu sync.Mutex
	zones   map[int][]TimeZoneDefinition
	// legacyZones caches TimeZoneFor per location and year: working hours
	// repeat the same few zones, and deriving rules probes a whole year.
	legacyZones sync.Map // legacyZoneKey → SerializableTimeZone
	// requestZones caches the Locations of requests' TimeZone elements,
	// and contextZones the TimeZoneContext headers (by their standalone
	// bytes), at most maxRequestZones of each. Plain maps: a sync.Map
	// boxes the key of every look-up, a copy of the zone or the header.
	zoneMu       sync.RWMutex
	requestZones map[SerializableTimeZone]*time.Location
	contextZones map[string]contextZone
	// buffers recycles answer buffers (*[]byte) between requests.
	buffers sync.Pool
	// readers recycles request readers (*requestReader) between requests.
	readers sync.Pool
	// calls recycles ServeHTTP's per-request state (*serveCall).
	calls sync.Pool
}

// ErrNoCalendars and ErrNoPolicy are returned by [NewHandler] when the
// configuration lacks a required part.
var (
	ErrNoCalendars = errors.New("ews: HandlerConfig.Calendars is required")
	ErrNoPolicy    = errors.New("ews: HandlerConfig.Policy is required")
)

// NewHandler returns a handler for cfg.
func NewHandler(cfg HandlerConfig) (*Handler, error) {
	req := required.For("ews: HandlerConfig")
	if cfg.Calendars == nil {
		req.Add(ErrNoCalendars)
	}
	if cfg.Policy == nil {
		req.Add(ErrNoPolicy)
	}
	if err := req.Err(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxMailboxes <= 0 {
		cfg.MaxMailboxes = DefaultMaxMailboxes
	}
	if cfg.MaxWindow <= 0 {
		cfg.MaxWindow = DefaultMaxWindow
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxAnswerBytes <= 0 {
		cfg.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency
	}
	if cfg.ServerVersion == (ServerVersion{}) {
		cfg.ServerVersion = defaultServerVersion
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, log: log, limits: xmlguard.Limits{MaxBytes: cfg.MaxBodyBytes}}
	h.buffers.New = func() any { b := make([]byte, 0, 8<<10); return &b }
	h.calls.New = h.newCall
	return h, nil
}

type legacyZoneKey struct {
	loc  *time.Location
	year int
}

// timeZoneFor is a cached [TimeZoneFor].
func (h *Handler) timeZoneFor(loc *time.Location, year int) SerializableTimeZone {
	if loc == nil {
		loc = time.UTC
	}
	k := legacyZoneKey{loc, year}
	if z, ok := h.legacyZones.Load(k); ok {
		return z.(SerializableTimeZone)
	}
	z := TimeZoneFor(loc, year)
	h.legacyZones.Store(k, z)
	return z
}

// IsFederatedPath reports whether a request path is one of the endpoints
// that take delegation tokens ("/EWS/Exchange.asmx/WSSecurity" and below).
func IsFederatedPath(path string) bool {
	// strings.EqualFold at each '/', not a lowered copy of every path.
	const seg = "/wssecurity"
	for i := strings.IndexByte(path, '/'); i >= 0 && len(path)-i >= len(seg); {
		if strings.EqualFold(path[i:i+len(seg)], seg) {
			return true
		}
		j := strings.IndexByte(path[i+1:], '/')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// request is one incoming call, decoded and authenticated.
type request struct {
	http      *http.Request
	msg       *soap.Message
	body      *requestBody
	requester *fedavail.Requester
	version   Version // RequestServerVersion, DefaultVersion if absent
	// scratch, when set, holds the per-request structures of an
	// availability answer for requests of a few mailboxes (pooled with the
	// call): nil allocates them.
	scratch *availabilityScratch
}

// serveCall is one ServeHTTP call's state, recycled through Handler.calls: the
// requester, fault, token callback and request of every call were four
// allocations, and the availability structures a dozen more. Nothing of
// it outlives ServeHTTP: the answer is written before it is put back.
type serveCall struct {
	h         *Handler
	r         *http.Request
	requester *fedavail.Requester
	fault     *fedavail.Fault
	// onToken is c.token, bound once when the call is made: a closure
	// made per request escapes into the decode.
	onToken func(*soap.Element) error
	req     request
	scratch availabilityScratch
}

// newCall makes a call state for h's pool.
func (h *Handler) newCall() any {
	c := &serveCall{h: h}
	c.onToken = c.token
	return c
}

// reset drops everything a finished call refers to, so the pool keeps no
// request, body or answer alive.
func (c *serveCall) reset() {
	c.r, c.requester, c.fault, c.req = nil, nil, nil, request{}
	c.scratch.reset()
}

// token is the decode's token callback: the token is validated as soon as
// the decode has read it, before anything after it, so that a request
// without a valid one costs the reading of its header only.
func (c *serveCall) token(tok *soap.Element) error {
	var err error
	ctx := c.r.Context()
	if c.requester, err = c.h.validateToken(ctx, tok); errors.Is(err, fedavail.ErrWrongOffer) {
		// Exchange authenticates a genuine token of another offer and
		// refuses the operation (ServiceCommandBase.PreExecute).
		c.h.log.InfoContext(ctx, "ews: delegation token for another offer", "reason", fedavail.ErrorDetail(err))
		c.requester, c.fault = &fedavail.Requester{Federated: true}, accessDenied()
	} else if err != nil {
		return &tokenRefused{err}
	}
	return nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The clock is read for the debug line alone, when it is written.
	var start time.Time
	debug := h.log.Enabled(r.Context(), slog.LevelDebug)
	if debug {
		start = h.cfg.Now()
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "ews: only POST is supported", http.StatusMethodNotAllowed)
		return
	}
	c := h.calls.Get().(*serveCall)
	defer func() { c.reset(); h.calls.Put(c) }()
	c.r = r
	federated := IsFederatedPath(r.URL.Path)
	if !federated {
		// Internal callers are identified before their body is read, so an
		// anonymous client cannot make the server parse anything.
		var err error
		if c.requester, err = h.authenticate(r); err != nil {
			h.unauthorized(w, r, "authentication failed", err)
			return
		}
	}
	// The body is read into a pooled buffer, returned when the answer has
	// been written: nothing kept after that refers to it (strings are
	// copies, caches are keyed by copies, validators keep nothing).
	bp := h.buffers.Get().(*[]byte)
	data, status, err := h.read(r, (*bp)[:0])
	defer h.putBuffer(bp, data)
	if err != nil {
		h.unreadable(w, r, status, err)
		return
	}
	var onToken func(*soap.Element) error
	if federated {
		onToken = c.onToken
	}
	msg, body, err := h.decode(data, onToken)
	if err != nil {
		// (Inside the test: errors.As's target escapes, and was allocated
		// for every request.)
		if refused := (*tokenRefused)(nil); errors.As(err, &refused) {
			h.unauthorized(w, r, "delegation token refused", refused.err)
			return
		}
		h.unreadable(w, r, statusFor(err), err)
		return
	}
	requester, fault := c.requester, c.fault
	c.req = request{http: r, msg: msg, body: body, requester: requester, version: requestVersion(msg), scratch: &c.scratch}
	req := &c.req
	op := operation(r, msg)
	var answer any
	if fault == nil {
		fault = externalVersion(requester, req.version)
	}
	if fault == nil {
		fault = seeksProxying(requester, msg)
	}
	if fault == nil {
		fault = crossForestFault(requester, msg, op)
	}
	if fault == nil {
		fault = h.throttle(requester)
	}
	switch {
	case fault != nil:
	case op == "GetUserAvailability":
		answer, fault = h.getUserAvailability(req)
	case op == "GetServerTimeZones":
		answer, fault = h.getServerTimeZones(req)
	default:
		fault = clientFault(ErrorInvalidRequest, fmt.Sprintf("The operation %q is not supported by this endpoint.", op))
	}
	if fault != nil {
		h.log.InfoContext(r.Context(), "ews: request refused", "op", op, "domain", requester.Domain, "code", fault.ResponseCode, "reason", fault.Reason)
		soap.WriteFault(w, msg.Version, forVersion(msg.Version, fault))
		return
	}
	h.write(w, msg.Version, answer)
	if debug { // not to box the attributes for nothing
		h.log.DebugContext(r.Context(), "ews: request served", "op", op, "domain", requester.Domain, "federated", requester.Federated, "duration", h.cfg.Now().Sub(start))
	}
}

// tokenRefused is why ServeHTTP's token callback stopped the decode.
type tokenRefused struct{ err error }

func (e *tokenRefused) Error() string { return e.err.Error() }

// unreadable answers a request that cannot be read: 413 over the size
// limit, else an ErrorSchemaValidation fault.
func (h *Handler) unreadable(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.log.InfoContext(r.Context(), "ews: unreadable request", "status", status, "err", err)
	if status == http.StatusRequestEntityTooLarge {
		http.Error(w, "ews: request too large", status)
		return
	}
	soap.WriteFault(w, soap.V11, clientFault(ErrorSchemaValidation, "The request is not a well-formed SOAP message."))
}

// accessDenied is Exchange's ServiceAccessDeniedException as a fault.
func accessDenied() *fedavail.Fault {
	return clientFault(ErrorAccessDenied, "The caller does not have access to this operation.")
}

// externalVersion refuses a federated request whose RequestServerVersion
// is older than Exchange2010, as Exchange does: external users are served
// from that schema on (ServiceCommandBase.PreExecute; Exchange2009, which
// Exchange's own proxy sends, counts as Exchange2010).
func externalVersion(who *fedavail.Requester, v Version) *fedavail.Fault {
	if !who.Federated || v == Exchange2009 || v.Compare(Exchange2010) >= 0 {
		return nil
	}
	return accessDenied()
}

// seeksProxying refuses a federated request that asks to act as another
// user (t:ExchangeImpersonation), as Exchange does: a delegation token
// speaks for its own user only.
func seeksProxying(who *fedavail.Requester, msg *soap.Message) *fedavail.Fault {
	if !who.Federated || msg.Header(TypesNS, "ExchangeImpersonation") == nil {
		return nil
	}
	return clientFault(ErrorProxyRequestNotAllowed, "Federated requests cannot use ExchangeImpersonation.")
}

func (h *Handler) authenticate(r *http.Request) (*fedavail.Requester, error) {
	if h.cfg.Authenticate == nil {
		return nil, errors.New("ews: no authenticator configured for internal requests")
	}
	req, err := h.cfg.Authenticate(r)
	if err == nil && req == nil {
		err = errors.New("ews: authenticator returned no requester")
	}
	if err == nil && req.Federated {
		err = errors.New("ews: authenticator returned a federated requester on an internal path")
	}
	return req, err
}

// validateToken has the delegation token found in the wsse:Security
// header (nil for none) validated for free/busy.
func (h *Handler) validateToken(ctx context.Context, tok *soap.Element) (*fedavail.Requester, error) {
	if h.cfg.Tokens == nil {
		return nil, errors.New("ews: no token validator configured")
	}
	if tok == nil || tok.Name.Space != ns.XMLEnc || tok.Name.Local != "EncryptedData" {
		return nil, errors.New("ews: no xenc:EncryptedData in the wsse:Security header")
	}
	// The token's standalone bytes go into a pooled buffer: validators
	// keep nothing of them (fedavail.TokenValidator), and a fresh copy of
	// a 6 KB token per request was a tenth of the handler's allocations.
	bp := h.buffers.Get().(*[]byte)
	data := tok.AppendStandalone((*bp)[:0])
	req, err := h.cfg.Tokens.ValidateToken(ctx, data, fedavail.OfferFreeBusy)
	h.putBuffer(bp, data)
	if err == nil && req == nil {
		err = errors.New("ews: token validator returned no requester")
	}
	if err != nil {
		return nil, err
	}
	// A token's requester is federated whatever the validator says: the
	// policy must treat it as external. (The validator's is copied only
	// when it must change.)
	if req.Federated && req.Domain != "" {
		return req, nil
	}
	r := *req
	r.Federated = true
	if r.Domain == "" {
		r.Domain = fedavail.AddressDomain(r.Address)
	}
	return &r, nil
}

// unauthorized answers 401 with no detail: why a token or a password was
// refused is for the server's log only, never for the caller.
func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.WarnContext(r.Context(), "ews: "+what, "path", r.URL.Path, "remote", r.RemoteAddr, "reason", fedavail.ErrorDetail(err))
	if !IsFederatedPath(r.URL.Path) && h.cfg.Authenticate != nil {
		// The password paths challenge, as IIS does, so that clients
		// which wait for a challenge send their credentials.
		challenge.Basic(w.Header(), r)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
}

// operation names what the request asks for: wsa:Action, SOAPAction or the
// SOAP 1.2 action parameter, else the body element (Outlook and many
// libraries send no SOAPAction). A body that does not match the action is
// refused later, when it is decoded.
func operation(r *http.Request, msg *soap.Message) string {
	// The usual wsa:Action, plain text, is read without a copy.
	if text, ok := msg.PlainHeaderText(ns.WSA, "Action"); ok && len(text) > 0 {
		return operationName(text)
	}
	if a := soap.Action(r, msg); a != "" {
		return soap.ActionName(a)
	}
	if msg.Body.Name.Space == MessagesNS {
		switch msg.Body.Name.Local {
		case "GetUserAvailabilityRequest":
			return "GetUserAvailability"
		case "GetServerTimeZones":
			return "GetServerTimeZones"
		}
	}
	return msg.Body.Name.Local
}

// operationName is soap.ActionName of an action's bytes as a string: the
// operations the handler serves as constants, anything else copied.
func operationName(action []byte) string {
	name := action[bytes.LastIndexByte(action, '/')+1:]
	switch string(name) { // compared without a copy
	case "GetUserAvailability":
		return "GetUserAvailability"
	case "GetServerTimeZones":
		return "GetServerTimeZones"
	}
	return string(name)
}

// requestVersion reads the RequestServerVersion header.
func requestVersion(msg *soap.Message) Version {
	h := msg.Header(TypesNS, "RequestServerVersion")
	if h == nil {
		return DefaultVersion
	}
	if v, ok := h.AttrValue("", "Version"); ok && v != "" {
		return Version(v)
	}
	return DefaultVersion
}

// write sends a successful answer. Availability answers, the hot path, are
// written by hand into a pooled buffer; anything else through encoding/xml.
func (h *Handler) write(w http.ResponseWriter, v soap.Version, body any) {
	bp := h.buffers.Get().(*[]byte)
	defer h.buffers.Put(bp)
	var data []byte
	err := errUnwritable
	switch r := body.(type) {
	case *availabilityAnswer:
		data, err = appendAvailabilityEnvelope((*bp)[:0], v, h.cfg.ServerVersion, &r.GetUserAvailabilityResponse, r.freeBusy)
		if r.pooled != nil {
			h.putBuffer(r.pooled, r.freeBusy)
		}
		body = &r.GetUserAvailabilityResponse // for encoding/xml
	case *GetUserAvailabilityResponse:
		data, err = appendAvailabilityEnvelope((*bp)[:0], v, h.cfg.ServerVersion, r, nil)
	}
	if err == nil && cap(data) <= maxPooledBuffer {
		*bp = data
	}
	if errors.Is(err, errUnwritable) {
		data, err = h.envelope(v, body).Marshal()
	}
	if err != nil {
		h.log.Error("ews: cannot encode answer", "err", err)
		soap.WriteFault(w, v, forVersion(v, serverFault(ErrorInvalidRequest, "The answer could not be encoded.")))
		return
	}
	w.Header().Set("Content-Type", v.ContentType(""))
	_, _ = w.Write(data)
}

// putBuffer returns a buffer to the pool, as data (its storage, perhaps
// grown) unless that is nil or too large to keep.
func (h *Handler) putBuffer(bp *[]byte, data []byte) {
	if data != nil && cap(data) <= maxPooledBuffer {
		*bp = data[:0]
	}
	h.buffers.Put(bp)
}

// maxPooledBuffer keeps the rare huge answer (100 mailboxes × 42 days) from
// pinning its buffer in the pool.
const maxPooledBuffer = 256 << 10

// envelope wraps an answer body with the ServerVersionInfo header.
func (h *Handler) envelope(v soap.Version, body any) *soap.Envelope {
	sv := h.cfg.ServerVersion
	return &soap.Envelope{
		Version: v,
		Headers: []any{serverVersionInfo{
			MajorVersion: sv.MajorVersion, MinorVersion: sv.MinorVersion,
			MajorBuildNumber: sv.MajorBuildNumber, MinorBuildNumber: sv.MinorBuildNumber,
			Version: sv.Version,
		}},
		Body: body,
	}
}

// clientFault is a fault blaming the request, with an EWS response code.
func clientFault(code ResponseCode, msg string) *fedavail.Fault {
	return &fedavail.Fault{Code: "Client", Reason: msg, ResponseCode: string(code)}
}

// forVersion renames SOAP 1.1 fault codes to their SOAP 1.2 equivalents.
func forVersion(v soap.Version, f *fedavail.Fault) *fedavail.Fault {
	if v == soap.V12 {
		switch f.Code {
		case "Client":
			f.Code = "Sender"
		case "Server":
			f.Code = "Receiver"
		}
	}
	return f
}

// serverFault is a fault blaming the server.
func serverFault(code ResponseCode, msg string) *fedavail.Fault {
	return &fedavail.Fault{Code: "Server", Reason: msg, ResponseCode: string(code)}
}
