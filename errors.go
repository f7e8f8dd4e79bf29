package fedavail

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxErrorBody is how many bytes of an unexpected HTTP answer an [HTTPError] keeps.
const MaxErrorBody = 2048

// HTTPError is returned when a server answers with a status other than 2xx and
// the body is not a SOAP fault. 401 and 403 mean the server refused the
// credentials or token; test them with errors.Is(err, ErrUnauthorized) or
// ErrForbidden.
type HTTPError struct {
	Method     string
	URL        string
	StatusCode int
	Status     string
	// Header is the answer's header (for WWW-Authenticate, Retry-After, Location).
	Header http.Header
	// Body is the start of the answer's body, at most MaxErrorBody bytes.
	Body []byte
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fedavail: %s %s: HTTP %d", e.Method, e.URL, e.StatusCode)
	if t := strings.TrimSpace(http.StatusText(e.StatusCode)); t != "" {
		b.WriteString(" " + t)
	}
	if len(e.Body) > 0 {
		s := strings.Join(strings.Fields(string(e.Body)), " ")
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		fmt.Fprintf(&b, ": %s", s)
	}
	return b.String()
}

// Is lets errors.Is(err, ErrUnauthorized) and errors.Is(err, ErrForbidden) match.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	}
	return false
}

// Sentinels matched by [HTTPError].
var (
	ErrUnauthorized = errors.New("fedavail: unauthorized (HTTP 401)")
	ErrForbidden    = errors.New("fedavail: forbidden (HTTP 403)")
)

// ErrWrongOffer is wrapped by a [TokenValidator]'s error for a genuine,
// current token issued for another offer than the one asked for. Exchange
// authenticates such a request and then refuses the operation with an
// access-denied SOAP fault (ServiceCommandBase's ExpectedOffer check), not
// HTTP 401; the EWS handler does the same.
var ErrWrongOffer = errors.New("fedavail: the token was issued for another offer")

// Fault is a SOAP 1.1 or SOAP 1.2 fault. For EWS, Autodiscover and WS-Trust
// faults the service-specific parts of the detail are decoded too.
type Fault struct {
	// SOAPVersion is "1.1" or "1.2".
	SOAPVersion string
	// Code is the fault code's local name: Client/Server (1.1) or
	// Sender/Receiver/MustUnderstand/VersionMismatch (1.2). Codes in other
	// namespaces keep their prefix-free local name too.
	Code string
	// CodeNamespace is the namespace of Code.
	CodeNamespace string
	// Subcodes are the SOAP 1.2 subcode values, outermost first, as local names.
	Subcodes []string
	// Reason is faultstring (1.1) or the first Reason/Text (1.2).
	Reason string
	// Actor is faultactor (1.1) or Role (1.2).
	Actor string
	// Detail is the raw content of the detail element, if any.
	Detail []byte
	// ResponseCode is the EWS error code from the detail, e.g. "ErrorServerBusy".
	ResponseCode string
	// Message is the EWS detail's Message text.
	Message string
	// Values holds the EWS detail's MessageXml Value elements by Name
	// (for example "BackOffMilliseconds").
	Values map[string]string
	// HTTPStatus is the status code of the HTTP answer that carried the fault.
	HTTPStatus int
}

func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("fedavail: SOAP fault")
	if f.Code != "" {
		b.WriteString(" " + f.Code)
	}
	for _, s := range f.Subcodes {
		b.WriteString("/" + s)
	}
	if f.ResponseCode != "" {
		b.WriteString(" (" + f.ResponseCode + ")")
	}
	if f.Reason != "" {
		b.WriteString(": " + f.Reason)
	}
	return b.String()
}

// BackOff returns the server's BackOffMilliseconds hint, or zero.
func (f *Fault) BackOff() time.Duration { return BackOffFromValues(f.Values) }

// IsReceiver reports whether the fault blames the server (SOAP 1.2 Receiver,
// SOAP 1.1 Server), i.e. whether retrying may help.
func (f *Fault) IsReceiver() bool {
	return f.Code == "Receiver" || f.Code == "Server"
}

// BackOffFromValues reads a BackOffMilliseconds value from EWS MessageXml values.
func BackOffFromValues(values map[string]string) time.Duration {
	v, ok := values["BackOffMilliseconds"]
	if !ok {
		return 0
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || ms < 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// RetryAfter returns how long the server asked to wait with a Retry-After
// header (delay-seconds or an HTTP date, measured from now), or zero when
// there is none or it cannot be read.
func (e *HTTPError) RetryAfter(now time.Time) time.Duration {
	v := strings.TrimSpace(e.Header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 32); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// UnavailableError says that a calendar source or a directory cannot answer
// now but may later: a CalDAV or Google server answering 429 or 503, an LDAP
// server that is down or busy. The answering side passes it on as Exchange
// does for a mailbox database it cannot reach, so the asker retries instead
// of treating the mailbox as broken: package ews answers
// ErrorMailboxLogonFailed for that mailbox (with BackOffMilliseconds when
// RetryAfter is known), package autodiscover answers ServerBusy.
type UnavailableError struct {
	// RetryAfter is how long to wait before asking again; zero means unknown.
	RetryAfter time.Duration
	// Err is the cause, for the server's log.
	Err error
}

func (e *UnavailableError) Error() string {
	msg := "fedavail: temporarily unavailable"
	if e.RetryAfter > 0 {
		msg += ", retry after " + e.RetryAfter.String()
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns Err.
func (e *UnavailableError) Unwrap() error { return e.Err }

// LimitError is returned when input exceeds a safety limit.
type LimitError struct {
	// What names the limit: "body size", "nesting depth", "attribute size".
	What string
	// Limit is the configured maximum.
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("fedavail: %s exceeds the limit of %d", e.What, e.Limit)
}

// ErrDTD is returned for XML that contains a document type declaration or
// an entity declaration. No protocol here uses them, and they are the vehicle
// of entity-expansion attacks.
var ErrDTD = errors.New("fedavail: XML document type and entity declarations are not allowed")

// XMLError is returned for input that is not well-formed XML or does not have
// the expected shape.
type XMLError struct {
	// Context says what was being read, e.g. "SOAP envelope".
	Context string
	Err     error
}

func (e *XMLError) Error() string { return fmt.Sprintf("fedavail: malformed %s: %v", e.Context, e.Err) }
func (e *XMLError) Unwrap() error { return e.Err }

// NamespaceError is returned when an element is found in the wrong namespace.
type NamespaceError struct {
	Element string // local name
	Got     string
	Want    string
}

func (e *NamespaceError) Error() string {
	msg := fmt.Sprintf("fedavail: element %s in namespace %q, want %q", e.Element, e.Got, e.Want)
	if strings.HasPrefix(e.Got, "https://") && "http://"+strings.TrimPrefix(e.Got, "https://") == e.Want {
		msg += " (the https:// form is a misprint in Microsoft's web documentation; real servers use http://)"
	}
	return msg
}

// ErrorDetail returns the most detailed description of err meant for a
// server's own log: the Detail() of the first error in the chain that has
// one (token validation errors keep the real reason there, away from
// Error(), which answers callers), else err.Error().
func ErrorDetail(err error) string {
	if err == nil {
		return ""
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if d, ok := e.(interface{ Detail() string }); ok {
			return d.Detail()
		}
	}
	return err.Error()
}

// MessageXML is EWS's MessageXml element: name/value pairs that come with an
// error, such as BackOffMilliseconds.
type MessageXML struct {
	Values []MessageValue `xml:"Value"`
}

// MessageValue is one Value of a [MessageXML]: <Value Name="…">…</Value>.
type MessageValue struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

// Map returns the values by name, or nil if there are none.
func (m *MessageXML) Map() map[string]string {
	if m == nil || len(m.Values) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.Values))
	for _, v := range m.Values {
		out[v.Name] = strings.TrimSpace(v.Value)
	}
	return out
}
