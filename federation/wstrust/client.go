package wstrust

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Client asks a trust broker for delegation tokens. It implements
// [fedavail.TokenSource]; it does not cache (wrap it in federation.NewTokenCache).
// A Client is safe for concurrent use once configured; do not change its
// fields afterwards.
type Client struct {
	// HTTPClient sends the requests. Required: fedavail never falls back to
	// http.DefaultClient.
	HTTPClient *http.Client
	// Endpoint is the trust broker's token endpoint (the federation trust's
	// TokenIssuerEpr, e.g. "https://login.microsoftonline.com/extSTS.srf").
	Endpoint string
	// IssuerURI is the trust broker's URI, the audience of the on-behalf-of
	// assertion. Empty means [DefaultIssuerURI].
	IssuerURI string
	// ApplicationURI is this organization's application URI (the requestor),
	// e.g. "FYDIBOHF25SPDLT.contoso.com".
	ApplicationURI string
	// Keys holds the organization certificate; requests are signed with its
	// current pair, read anew for every request so a rollover takes effect
	// at once.
	Keys *keyring.Ring
	// PolicyReference is the wsp:PolicyReference URI. Empty means
	// [DefaultPolicyReference]; "-" sends none.
	PolicyReference string
	// SignatureMethod selects the signature algorithms; the zero value is
	// Exchange's RSA-SHA1.
	SignatureMethod SignatureMethod
	// Identity names the user in the on-behalf-of assertion; nil means
	// [UPN]. [ImmutableIDs] is the form on-premises Exchange sends.
	Identity IdentityFunc
	// MaxAttempts bounds how often a request is sent when the broker answers
	// with a Receiver fault (the only kind retried). Zero means 3.
	MaxAttempts int
	// Backoff returns the wait before retry number n (1 for the first
	// retry). Nil means 500ms doubling per retry. A fault's own
	// BackOffMilliseconds hint wins when it is longer.
	Backoff func(n int) time.Duration
	// Limits bound the answer.
	Limits fedavail.Limits
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of message and assertion IDs; nil means crypto/rand.
	Rand io.Reader
	// Logger gets one debug line per attempt, never bodies or tokens. Nil discards.
	Logger *slog.Logger
}

var _ fedavail.TokenSource = (*Client)(nil)

// Token asks the broker for a delegation token for req. Errors are
// *fedavail.Fault (the broker's SOAP fault, after retries for Receiver
// faults), *fedavail.HTTPError, the decode errors of [ParseResponse],
// transport errors and ctx's error.
func (c *Client) Token(ctx context.Context, req fedavail.TokenRequest) (*fedavail.Token, error) {
	if c.Keys == nil {
		return nil, ErrNoKey
	}
	if req.Requester == "" || req.Audience == "" || req.Offer == "" {
		return nil, fmt.Errorf("wstrust: token request needs a requester, an audience and an offer: %+v", req)
	}
	caller := &soap.Caller{HTTPClient: c.HTTPClient, Limits: xmlguard.Limits(c.Limits), Logger: c.Logger}
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 3
	}
	for n := 1; ; n++ {
		tok, err := c.once(ctx, caller, req)
		var f *fedavail.Fault
		if err == nil || !errors.As(err, &f) || !f.IsReceiver() || n >= attempts {
			return tok, err
		}
		wait := c.backoff(n)
		if hint := f.BackOff(); hint > wait {
			wait = hint
		}
		c.logger().DebugContext(ctx, "wstrust: retrying after receiver fault", "attempt", n, "wait", wait, "code", f.Code)
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (c *Client) once(ctx context.Context, caller *soap.Caller, req fedavail.TokenRequest) (*fedavail.Token, error) {
	pair := c.Keys.Current()
	if pair.Key == nil {
		return nil, ErrNoKey
	}
	env, err := c.NewRequest(req).envelope(Signing{Key: pair.Key, SKI: pair.SKI(), Method: c.SignatureMethod})
	if err != nil {
		return nil, err
	}
	msg, err := caller.Do(ctx, &soap.Call{
		URL:          c.Endpoint,
		Action:       ActionIssue,
		Envelope:     env,
		ResponseName: rstrName,
	})
	if err != nil {
		return nil, err
	}
	if msg.Version != soap.V12 {
		return nil, &fedavail.XMLError{Context: "WS-Trust response", Err: errors.New("SOAP 1.1 envelope, want SOAP 1.2")}
	}
	rstr, err := parseRSTR(&msg.Body)
	if err != nil {
		return nil, err
	}
	return rstr.FedavailToken(), nil
}

// NewRequest fills in the RST for req from the client's configuration, clock
// and random source: a timestamp of now, fresh IDs, and an on-behalf-of
// assertion valid for the offer's maximum age.
func (c *Client) NewRequest(req fedavail.TokenRequest) *Request {
	now := c.now()
	ttl := req.Offer.MaxAge()
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	issuer := c.IssuerURI
	if issuer == "" {
		issuer = DefaultIssuerURI
	}
	policy := c.PolicyReference
	switch policy {
	case "":
		policy = DefaultPolicyReference
	case "-":
		policy = ""
	}
	r := c.Rand
	if r == nil {
		r = rand.Reader
	}
	identity := c.Identity
	if identity == nil {
		identity = UPN
	}
	id := identity(req.Requester)
	return &Request{
		To:              c.Endpoint,
		MessageID:       soap.NewMessageID(r),
		ID:              "uuid-" + strings.TrimPrefix(soap.NewMessageID(r), "urn:uuid:"),
		Created:         now,
		AppliesTo:       AppliesTo(req.Audience),
		Requestor:       c.ApplicationURI,
		Offer:           req.Offer,
		PolicyReference: policy,
		OnBehalfOf: Assertion{
			ID:           "saml-" + strings.TrimPrefix(soap.NewMessageID(r), "urn:uuid:"),
			Issuer:       c.ApplicationURI,
			IssueInstant: now,
			NotBefore:    now,
			NotOnOrAfter: now.Add(ttl),
			Audience:     issuer,
			NameID:       id.NameID,
			NameIDFormat: id.Format,
			Email:        req.Requester,
		},
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) backoff(n int) time.Duration {
	if c.Backoff != nil {
		return c.Backoff(n)
	}
	return 500 * time.Millisecond << (n - 1)
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
