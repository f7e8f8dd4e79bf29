package soap

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Caller posts envelopes. The zero value is not usable: HTTPClient is required,
// because fedavail never falls back to http.DefaultClient or its transport.
type Caller struct {
	// HTTPClient sends the requests. Its redirect policy is not used: a
	// redirect answer is returned as a *fedavail.HTTPError carrying the
	// Location header, because Go would follow a POST redirect as a GET.
	HTTPClient *http.Client
	// Limits bound the answer.
	Limits xmlguard.Limits
	// UserAgent is sent when not empty.
	UserAgent string
	// Logger gets one debug line per call (method, URL, status, duration);
	// never bodies, headers or tokens. Nil discards.
	Logger *slog.Logger
}

// Call is one SOAP request.
type Call struct {
	URL      string
	Action   string
	Envelope *Envelope
	// Header holds extra HTTP headers, e.g. Authorization.
	Header http.Header
	// Response, ResponseName and Scan are passed to Decode as Body,
	// BodyName and Scan.
	Response     any
	ResponseName xml.Name
	Scan         func(data []byte) (v Version, body xml.Name, ok bool)
}

// ErrNoHTTPClient is returned by a Caller without an HTTPClient.
var ErrNoHTTPClient = errors.New("soap: no *http.Client configured")

// Do posts the call's envelope and decodes the answer. Errors:
//   - *fedavail.Fault for a SOAP fault (any status), with HTTPStatus set;
//   - *fedavail.HTTPError for a status that is not 2xx and carries no fault,
//     including redirects (Header has Location) and 401/403;
//   - the decode errors of [Decode];
//   - transport errors from the http.Client, wrapped, and ctx's error.
func (c *Caller) Do(ctx context.Context, call *Call) (*Message, error) {
	if c.HTTPClient == nil {
		return nil, ErrNoHTTPClient
	}
	body, err := call.Envelope.Marshal()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, call.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range call.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", call.Envelope.Version.ContentType(call.Action))
	if call.Envelope.Version == V11 && call.Action != "" {
		req.Header.Set("SOAPAction", `"`+call.Action+`"`)
	}
	req.Header.Set("Accept", "text/xml, application/soap+xml")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	start := time.Now()
	resp, err := NoRedirects(c.HTTPClient).Do(req)
	if err != nil {
		c.log(ctx, call, 0, start, err)
		return nil, err
	}
	defer resp.Body.Close()
	data, err := xmlguard.ReadAll(resp.Body, c.Limits)
	if cerr := ctx.Err(); cerr != nil {
		// The answer may have been cut short by the caller's deadline with
		// a clean EOF: what arrived is not the server's fault, and decoding
		// it would report malformed XML instead of the deadline.
		err = fmt.Errorf("soap: reading the answer: %w", cerr)
	}
	c.log(ctx, call, resp.StatusCode, start, err)
	if err != nil {
		return nil, err
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !ok && resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden && looksLikeSOAP(resp.Header, data) {
		if _, ferr := Decode(data, DecodeOptions{Limits: c.Limits}); ferr != nil {
			var f *fedavail.Fault
			if errors.As(ferr, &f) {
				f.HTTPStatus = resp.StatusCode
				return nil, f
			}
		}
	}
	if !ok {
		return nil, NewHTTPError(req, resp, data)
	}
	msg, err := Decode(data, DecodeOptions{Limits: c.Limits, Body: call.Response, BodyName: call.ResponseName, Scan: call.Scan})
	var f *fedavail.Fault
	if errors.As(err, &f) {
		f.HTTPStatus = resp.StatusCode
	}
	return msg, err
}

func (c *Caller) log(ctx context.Context, call *Call, status int, start time.Time, err error) {
	if c.Logger == nil {
		return
	}
	attrs := []any{"url", RedactURL(call.URL), "action", call.Action, "status", status, "duration", time.Since(start)}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	c.Logger.DebugContext(ctx, "soap call", attrs...)
}

// NewHTTPError builds a *fedavail.HTTPError keeping at most MaxErrorBody bytes.
func NewHTTPError(req *http.Request, resp *http.Response, body []byte) *fedavail.HTTPError {
	if len(body) > fedavail.MaxErrorBody {
		body = body[:fedavail.MaxErrorBody]
	}
	return &fedavail.HTTPError{
		Method:     req.Method,
		URL:        RedactURL(req.URL.String()),
		StatusCode: resp.StatusCode,
		Status:     resp.Status,
		Header:     resp.Header.Clone(),
		Body:       append([]byte(nil), body...),
	}
}

// RedactURL drops user information and the query from a URL for logs and errors.
func RedactURL(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.IndexByte(rest, '@'); at >= 0 && (strings.IndexByte(rest, '/') < 0 || at < strings.IndexByte(rest, '/')) {
			u = u[:i+3] + rest[at+1:]
		}
	}
	return u
}

func looksLikeSOAP(h http.Header, data []byte) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mt == "text/xml" || mt == "application/soap+xml" || mt == "application/xml" {
		return true
	}
	return bytes.Contains(data[:min(len(data), 512)], []byte("Envelope"))
}

// NoRedirects returns a shallow copy of c that hands redirect answers back
// instead of following them. The caller's client is not modified.
func NoRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}
