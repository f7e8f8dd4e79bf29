package ews

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
)

// Auth adds credentials to the requests of a [Client]. The implementations
// are [BasicAuth], [BearerAuth], [FederatedAuth] and [CrossForestAuth].
type Auth interface {
	apply(ctx context.Context, c *outgoing) error
}

// outgoing is a request being prepared: what an Auth may change.
type outgoing struct {
	url     string
	action  string
	header  http.Header
	headers []any // SOAP header blocks
	// noVersion leaves RequestServerVersion out (CrossForestAuth).
	noVersion bool
}

// BasicAuth sends HTTP Basic credentials. Its String method hides the password.
type BasicAuth struct {
	Username, Password string
}

func (a BasicAuth) apply(_ context.Context, c *outgoing) error {
	r := http.Request{Header: c.header}
	r.SetBasicAuth(a.Username, a.Password)
	return nil
}

// String returns the username only.
func (a BasicAuth) String() string { return "BasicAuth{" + a.Username + ", password hidden}" }

// BearerAuth sends an OAuth bearer token, fixed or from Source (which wins
// when set, and is called for every request so it can refresh).
type BearerAuth struct {
	Token  string
	Source func(ctx context.Context) (string, error)
}

func (a BearerAuth) apply(ctx context.Context, c *outgoing) error {
	tok := a.Token
	if a.Source != nil {
		var err error
		if tok, err = a.Source(ctx); err != nil {
			return fmt.Errorf("ews: bearer token: %w", err)
		}
	}
	if tok == "" {
		return errors.New("ews: empty bearer token")
	}
	c.header.Set("Authorization", "Bearer "+tok)
	return nil
}

// String hides the token.
func (a BearerAuth) String() string { return "BearerAuth{token hidden}" }

// FederatedAuth authenticates the way Exchange does between organizations:
// a delegation token from a trust broker, for the partner's application URI
// and on behalf of a user, posted to the partner's "<EWS URL>/WSSecurity"
// endpoint as the only child of a wsse:Security header, with WS-Addressing
// Action, To and ReplyTo headers. There is no timestamp and no signature:
// the encrypted token is the credential.
type FederatedAuth struct {
	// Tokens supplies (and should cache) delegation tokens.
	Tokens fedavail.TokenSource
	// Audience is the partner's application URI.
	Audience string
	// Requester is the SMTP address of the user on whose behalf to ask.
	Requester string
	// MessageID returns the wsa:MessageID of each request; nil means a
	// random urn:uuid.
	MessageID func() string
}

// wsSecuritySuffix is the EWS endpoint that accepts WS-Security tokens.
const wsSecuritySuffix = "/WSSecurity"

func (a FederatedAuth) apply(ctx context.Context, c *outgoing) error {
	if a.Tokens == nil {
		return errors.New("ews: FederatedAuth without a TokenSource")
	}
	tok, err := a.Tokens.Token(ctx, fedavail.TokenRequest{Requester: a.Requester, Audience: a.Audience, Offer: fedavail.OfferFreeBusy})
	if err != nil {
		return fmt.Errorf("ews: delegation token: %w", err)
	}
	if tok == nil || len(tok.EncryptedData) == 0 {
		return errors.New("ews: delegation token source returned no token")
	}
	if !strings.HasSuffix(strings.ToLower(strings.TrimRight(c.url, "/")), strings.ToLower(wsSecuritySuffix)) {
		c.url = strings.TrimRight(c.url, "/") + wsSecuritySuffix
	}
	// As Exchange's availability proxy sends a delegation token
	// (ProxyWebRequest.cs, ProxyAuthenticator.cs, SoapAuthenticator.cs):
	// RequestTypeHeader CrossForest; the WS-Addressing MessageID; Action and
	// To with mustUnderstand, an anonymous ReplyTo; then the token.
	id := soap.NewMessageID(nil)
	if a.MessageID != nil {
		id = a.MessageID()
	}
	const wsa = `xmlns:a="http://www.w3.org/2005/08/addressing"`
	const mu = ` xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:mustUnderstand="1"`
	c.headers = append(c.headers,
		crossForestRequestType,
		messageIDHeader(id),
		soap.RawXML(`<a:Action `+wsa+mu+`>`+escapeText(c.action)+`</a:Action>`),
		soap.RawXML(`<a:To `+wsa+mu+`>`+escapeText(c.url)+`</a:To>`),
		soap.RawXML(`<a:ReplyTo `+wsa+`><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>`),
		soap.Security(soap.V11, tok.EncryptedData))
	return nil
}

// escapeText escapes s for XML character data.
func escapeText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// String names the audience and requester, never the token.
func (a FederatedAuth) String() string {
	return "FederatedAuth{audience " + a.Audience + ", requester " + a.Requester + "}"
}
