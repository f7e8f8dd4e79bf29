package ews

import (
	"context"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
)

// Client calls an EWS endpoint. Set its fields before the first call and do
// not change them afterwards; a Client is then safe for concurrent use.
type Client struct {
	// URL is the EWS endpoint, such as
	// "https://mail.example.com/EWS/Exchange.asmx". With FederatedAuth the
	// client posts to URL + "/WSSecurity" (unless URL already ends so).
	URL string
	// HTTPClient sends the requests; required. Redirects are not followed:
	// they come back as a *fedavail.HTTPError.
	HTTPClient *http.Client
	// Auth adds credentials; nil sends none.
	Auth Auth
	// Version is sent as RequestServerVersion; zero means Exchange2010_SP1.
	// The server answers in this schema version: WorkingElsewhere, for one,
	// only with Exchange2013 or later.
	Version Version
	// Logger gets a debug line per HTTP call and a line per retry; never
	// bodies or credentials. Nil discards.
	Logger *slog.Logger
	// Now is the clock used to decide whether a back-off fits before the
	// context's deadline; nil means time.Now.
	Now func() time.Time
	// MaxConcurrency caps the batches of a large request in flight at once;
	// zero means 4.
	MaxConcurrency int
	// MaxRetries is how many times a request is retried after
	// ErrorServerBusy; zero means 3, negative means never.
	MaxRetries int
	// MaxBackOff is the longest server back-off the client waits for before
	// retrying; a longer one is returned as a *ServerBusyError at once.
	// Zero means one minute.
	MaxBackOff time.Duration
	// UserAgent, if set, is sent as the User-Agent header.
	UserAgent string
}

func (c *Client) version() Version {
	if c.Version == "" {
		return DefaultVersion
	}
	return c.Version
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

func (c *Client) maxRetries() int {
	switch {
	case c.MaxRetries < 0:
		return 0
	case c.MaxRetries == 0:
		return 3
	}
	return c.MaxRetries
}

func (c *Client) maxBackOff() time.Duration {
	if c.MaxBackOff > 0 {
		return c.MaxBackOff
	}
	return time.Minute
}

func (c *Client) maxConcurrency() int {
	if c.MaxConcurrency > 0 {
		return c.MaxConcurrency
	}
	return 4
}

// call posts one SOAP request with credentials and decodes the answer's body
// into resp. Errors are those of soap.Caller.Do and of the Auth.
//
// The SOAP headers go in Exchange's order: RequestServerVersion, then
// extra (the request's own), then the Auth's. anchor, when set, is sent as
// X-AnchorMailbox, which Exchange Online routes on.
func (c *Client) call(ctx context.Context, action string, body, resp any, respName xml.Name, anchor string, extra ...any) (*soap.Message, error) {
	if c.URL == "" {
		return nil, &InputError{Field: "Client.URL", Reason: "empty"}
	}
	out := &outgoing{url: c.URL, action: action, header: http.Header{}}
	if c.Auth != nil {
		if err := c.Auth.apply(ctx, out); err != nil {
			return nil, err
		}
	}
	var version []any
	if !out.noVersion { // CrossForestAuth: the other forest's version is unknown
		version = []any{&requestServerVersion{Version: string(c.version())}}
	}
	out.headers = slices.Concat(version, extra, out.headers)
	if anchor != "" {
		out.header.Set("X-AnchorMailbox", anchor)
	}
	caller := soap.Caller{HTTPClient: c.HTTPClient, UserAgent: c.UserAgent, Logger: c.Logger}
	call := &soap.Call{
		URL:          out.url,
		Action:       action,
		Envelope:     &soap.Envelope{Version: soap.V11, Headers: out.headers, Body: body},
		Header:       out.header,
		Response:     resp,
		ResponseName: respName,
	}
	if s, ok := resp.(envelopeScanner); ok {
		call.Scan = s.scanEnvelope
	}
	return caller.Do(ctx, call)
}

// defaultBackOff is waited when the server says it is busy without saying
// for how long.
const defaultBackOff = time.Second

// retry runs attempt until it reports no busy error, the retry budget is
// spent or ctx ends. attempt returns busy (a *fedavail.Fault or
// *MailboxError with ErrorServerBusy) when the server asked to back off.
func (c *Client) retry(ctx context.Context, attempt func() (busy error, backOff time.Duration, err error)) error {
	for n := 1; ; n++ {
		busy, backOff, err := attempt()
		if err != nil || busy == nil {
			return err
		}
		wait := backOff
		if wait <= 0 {
			wait = defaultBackOff
		}
		fail := &ServerBusyError{BackOff: backOff, Attempts: n, Err: busy}
		if n > c.maxRetries() || wait > c.maxBackOff() {
			return fail
		}
		if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
			return fail
		}
		c.logger().InfoContext(ctx, "ews: server busy, backing off", "url", soap.RedactURL(c.URL), "attempt", n, "backoff", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(fail, ctx.Err())
		case <-t.C:
		}
	}
}

// busyFault returns the fault's back-off when err is an ErrorServerBusy fault.
func busyFault(err error) (busy error, backOff time.Duration, ok bool) {
	var f *fedavail.Fault
	if errors.As(err, &f) && ResponseCode(f.ResponseCode) == ErrorServerBusy {
		return f, f.BackOff(), true
	}
	return nil, 0, false
}
