package autodiscover

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// POX ("plain old XML") Autodiscover is the older protocol Outlook uses: a
// POST of an Autodiscover request to …/autodiscover.xml. It needs the user's
// own credentials (WS-Security tokens cannot be used with it), so federation
// does not use it; it is here for internal clients that want the EWS URL.

// POXSettings is a POX Autodiscover answer for one mailbox.
type POXSettings struct {
	// Mailbox is the address that was asked for.
	Mailbox string
	// RedirectedTo is the last address the answer was redirected to, if any.
	RedirectedTo string
	// DisplayName, LegacyDN and DeploymentID describe the user.
	DisplayName, LegacyDN, DeploymentID string
	// Protocols are the Account's protocol blocks: EXCH (internal), EXPR
	// (external, Outlook Anywhere), WEB, …
	Protocols []POXProtocol
	// Endpoint is the URL that answered.
	Endpoint string
}

// POXProtocol is one Protocol block of a POX answer.
type POXProtocol struct {
	Type          string `xml:"Type"`
	Server        string `xml:"Server"`
	ServerDN      string `xml:"ServerDN"`
	ServerVersion string `xml:"ServerVersion"`
	MdbDN         string `xml:"MdbDN"`
	ASURL         string `xml:"ASUrl"`
	EWSURL        string `xml:"EwsUrl"`
	OOFURL        string `xml:"OOFUrl"`
	UMURL         string `xml:"UMUrl"`
	OABURL        string `xml:"OABUrl"`
	EcpURL        string `xml:"EcpUrl"`
}

// Protocol returns the block of the given type (EXCH, EXPR, WEB), or nil.
func (s *POXSettings) Protocol(typ string) *POXProtocol {
	for i := range s.Protocols {
		if strings.EqualFold(s.Protocols[i].Type, typ) {
			return &s.Protocols[i]
		}
	}
	return nil
}

// EWSURL returns the EWS URL of the external (EXPR) or internal (EXCH)
// block: its EwsUrl, or its ASUrl (the availability service URL, which is
// the EWS URL on every Exchange since 2007) when EwsUrl is absent.
func (s *POXSettings) EWSURL(external bool) string {
	typ := "EXCH"
	if external {
		typ = "EXPR"
	}
	p := s.Protocol(typ)
	if p == nil {
		return ""
	}
	if p.EWSURL != "" {
		return p.EWSURL
	}
	return p.ASURL
}

// POXError is an Error answer of POX Autodiscover.
type POXError struct {
	// Code is the ErrorCode, e.g. "500" (no such mailbox) or "600" (invalid request).
	Code string
	// Message is the server's Message.
	Message string
}

func (e *POXError) Error() string {
	return fmt.Sprintf("autodiscover: POX error %s: %s", e.Code, e.Message)
}

// POX wire types. The root and the request are checked by namespace; the
// answer's Response is matched by local name because its namespace differs
// between the settings form (…/outlook/responseschema/2006a) and the error
// form (…/responseschema/2006).

type poxRequest struct {
	XMLName                  xml.Name `xml:"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006 Autodiscover"`
	EMailAddress             string   `xml:"Request>EMailAddress,omitempty"`
	LegacyDN                 string   `xml:"Request>LegacyDN,omitempty"`
	AcceptableResponseSchema string   `xml:"Request>AcceptableResponseSchema"`
}

type poxResponse struct {
	XMLName  xml.Name
	Response struct {
		XMLNS string `xml:"xmlns,attr,omitempty"`
		User  *struct {
			DisplayName  string `xml:"DisplayName"`
			LegacyDN     string `xml:"LegacyDN"`
			DeploymentID string `xml:"DeploymentId"`
		} `xml:"User"`
		Account *struct {
			AccountType  string        `xml:"AccountType"`
			Action       string        `xml:"Action"`
			RedirectAddr string        `xml:"RedirectAddr,omitempty"`
			RedirectURL  string        `xml:"RedirectUrl,omitempty"`
			Protocols    []POXProtocol `xml:"Protocol"`
		} `xml:"Account"`
		Error *struct {
			ErrorCode string `xml:"ErrorCode"`
			Message   string `xml:"Message"`
			DebugData string `xml:"DebugData"`
		} `xml:"Error"`
	} `xml:"Response"`
}

// decodePOXResponse parses a POX answer within the safety limits. The root
// must be Autodiscover in the response namespace exactly.
func decodePOXResponse(data []byte, l xmlguard.Limits) (*poxResponse, error) {
	if err := xmlguard.Check(data, l); err != nil {
		return nil, err
	}
	var r poxResponse
	if err := xml.Unmarshal(data, &r); err != nil {
		return nil, &fedavail.XMLError{Context: "POX Autodiscover response", Err: err}
	}
	if r.XMLName.Local != "Autodiscover" {
		return nil, &fedavail.XMLError{Context: "POX Autodiscover response", Err: fmt.Errorf("root element is <%s>, want <Autodiscover>", r.XMLName.Local)}
	}
	if r.XMLName.Space != ns.POXResponseRoot {
		return nil, &fedavail.NamespaceError{Element: "Autodiscover", Got: r.XMLName.Space, Want: ns.POXResponseRoot}
	}
	return &r, nil
}

// GetPOXSettings asks POX Autodiscover for mailbox's settings with
// Client.Credentials (Basic, https only, never sent to a host other than
// those the look-up started at). Endpoints are discovered like
// GetUserSettings's, with the …/autodiscover.xml path; redirectAddr and
// redirectUrl answers and HTTP redirects are followed.
func (c *Client) GetPOXSettings(ctx context.Context, mailbox string) (*POXSettings, error) {
	c.init()
	d, err := mailboxDomain(mailbox)
	if err != nil {
		return nil, err
	}
	return c.pox.do(ctx, strings.ToLower(mailbox), true, func() (*POXSettings, error) {
		a := &auth{creds: c.Credentials, trusted: map[string]bool{d: true, "autodiscover." + d: true}}
		if h := hostOf(c.Endpoint); h != "" {
			a.trusted[h] = true
		}
		h := c.newHops()
		h.visit("mailto:" + mailbox)
		s, err := c.poxLookup(ctx, h, a, d, mailbox)
		if s != nil {
			s.Mailbox = mailbox
		}
		return s, err
	})
}

func (c *Client) poxLookup(ctx context.Context, h *hops, a *auth, domain, mailbox string) (*POXSettings, error) {
	var out *POXSettings
	err := c.withEndpoint(ctx, domain, poxPath, rootFirst, h, func(ep string, h *hops) (string, error) {
		s, err := c.poxAt(ctx, h, a, ep, mailbox)
		out = s
		if s != nil {
			return s.Endpoint, err
		}
		return ep, err
	})
	return out, err
}

// poxAt posts the POX request to ep, following HTTP redirects and the
// answer's redirectUrl and redirectAddr.
func (c *Client) poxAt(ctx context.Context, h *hops, a *auth, ep, mailbox string) (*POXSettings, error) {
	body, err := xml.Marshal(&poxRequest{EMailAddress: mailbox, AcceptableResponseSchema: ns.POXResponse})
	if err != nil {
		return nil, err
	}
	h.visit(ep)
	for {
		r, err := c.poxPost(ctx, a, ep, mailbox, body)
		if next, ok := redirectLocation(ep, err); ok {
			if err := h.follow(ep, next); err != nil {
				return nil, err
			}
			ep = next
			continue
		}
		if err != nil {
			return nil, err
		}
		if e := r.Response.Error; e != nil {
			return nil, &POXError{Code: strings.TrimSpace(e.ErrorCode), Message: strings.TrimSpace(e.Message)}
		}
		acct := r.Response.Account
		if acct == nil {
			return nil, &fedavail.XMLError{Context: "POX Autodiscover response", Err: fmt.Errorf("no Account and no Error")}
		}
		switch strings.ToLower(strings.TrimSpace(acct.Action)) {
		case "redirecturl":
			next := strings.TrimSpace(acct.RedirectURL)
			if err := h.follow(ep, next); err != nil {
				return nil, err
			}
			ep = next
			continue
		case "redirectaddr":
			target := strings.TrimSpace(acct.RedirectAddr)
			if err := h.address(mailbox, target); err != nil {
				return nil, err
			}
			d, err := mailboxDomain(target)
			if err != nil {
				return nil, err
			}
			s, err := c.poxLookup(ctx, h, a, d, target)
			if s != nil && s.RedirectedTo == "" {
				s.RedirectedTo = target
			}
			return s, err
		}
		s := &POXSettings{Mailbox: mailbox, Protocols: acct.Protocols, Endpoint: ep}
		if u := r.Response.User; u != nil {
			s.DisplayName, s.LegacyDN, s.DeploymentID = strings.TrimSpace(u.DisplayName), strings.TrimSpace(u.LegacyDN), strings.TrimSpace(u.DeploymentID)
		}
		return s, nil
	}
}

func (c *Client) poxPost(ctx context.Context, a *auth, ep, mailbox string, body []byte) (*poxResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range a.header(ep) {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	// Exchange's own POX callers name the mailbox for routing.
	req.Header.Set("X-AnchorMailbox", mailbox)
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	c.log.DebugContext(ctx, "autodiscover: POX post", "url", redact(ep))
	resp, err := soap.NoRedirects(c.httpc).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := xmlguard.ReadAll(resp.Body, c.limits())
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, soap.NewHTTPError(req, resp, data)
	}
	return decodePOXResponse(data, c.limits())
}
