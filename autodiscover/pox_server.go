package autodiscover

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/challenge"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// POX answers as the handler writes them.

type poxAnswer struct {
	XMLName  xml.Name `xml:"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006 Autodiscover"`
	Response any
}

type poxSettingsXML struct {
	XMLName xml.Name       `xml:"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a Response"`
	User    *poxUserXML    `xml:"User,omitempty"`
	Account *poxAccountXML `xml:"Account"`
}

// poxUserXML is written whole, as Exchange's OutlookAutoDiscoverProvider
// writes it: every element, empty when there is no value.
type poxUserXML struct {
	DisplayName             string `xml:"DisplayName"`
	LegacyDN                string `xml:"LegacyDN"`
	AutoDiscoverSMTPAddress string `xml:"AutoDiscoverSMTPAddress"`
	DeploymentID            string `xml:"DeploymentId"`
}

type poxAccountXML struct {
	AccountType  string        `xml:"AccountType"`
	Action       string        `xml:"Action"`
	RedirectAddr string        `xml:"RedirectAddr,omitempty"`
	RedirectURL  string        `xml:"RedirectUrl,omitempty"`
	Protocols    []poxProtoXML `xml:"Protocol"`
}

type poxProtoXML struct {
	Type   string `xml:"Type"`
	Server string `xml:"Server,omitempty"`
	ASURL  string `xml:"ASUrl,omitempty"`
	EWSURL string `xml:"EwsUrl,omitempty"`
}

type poxErrorXML struct {
	XMLName xml.Name `xml:"Response"`
	Error   struct {
		ErrorCode string `xml:"ErrorCode"`
		Message   string `xml:"Message"`
		DebugData string `xml:"DebugData"`
	} `xml:"Error"`
}

func writePOX(w http.ResponseWriter, status int, resp any) {
	data, err := xml.Marshal(&poxAnswer{Response: resp})
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(data)
}

// writePOXError writes POX's error form (the error codes of [MS-OXDSCLI]
// 2.2.4.1.1.3.2: 500 no such mailbox, 600 invalid request, …).
func writePOXError(w http.ResponseWriter, code, msg string) {
	var e poxErrorXML
	e.Error.ErrorCode, e.Error.Message = code, msg
	writePOX(w, http.StatusOK, &e)
}

func (h *Handler) servePOX(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	requester, err := h.authenticate(r)
	if err != nil {
		h.logger().InfoContext(ctx, "autodiscover: POX unauthorized", "err", err)
		if h.Authenticate != nil {
			challenge.Basic(w.Header(), r) // as IIS challenges on the password paths
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	req, err := readPOXRequest(r, h.limits())
	var le *fedavail.LimitError
	if errors.As(err, &le) && le.What == "body size" {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		h.logger().InfoContext(ctx, "autodiscover: bad POX request", "err", err)
		writePOXError(w, "600", "Invalid Request")
		return
	}
	if req.AcceptableResponseSchema != ns.POXResponse {
		writePOXError(w, "601", "Provider is not available for the requested schema")
		return
	}
	if h.Directory == nil {
		writePOXError(w, "603", "Server error")
		return
	}
	u, err := h.Directory.LookupUser(ctx, requester, strings.TrimSpace(req.EMailAddress))
	if to, ok := movedTo(err); ok {
		// POX lives beside SOAP on the other service's host.
		acct := &poxAccountXML{AccountType: "email", Action: "redirectUrl", RedirectURL: poxURL(to)}
		writePOX(w, http.StatusOK, &poxSettingsXML{Account: acct})
		return
	}
	switch {
	case errors.Is(err, ErrUnknownUser):
		writePOXError(w, "500", "The e-mail address cannot be found.")
		return
	case err != nil || u == nil:
		h.logger().ErrorContext(ctx, "autodiscover: directory lookup failed", "err", err)
		writePOXError(w, "603", "Server error")
		return
	}
	acct := &poxAccountXML{AccountType: "email", Action: "settings"}
	if u.RedirectAddress != "" {
		acct.Action, acct.RedirectAddr = "redirectAddr", u.RedirectAddress
		writePOX(w, http.StatusOK, &poxSettingsXML{Account: acct})
		return
	}
	writePOX(w, http.StatusOK, poxSettings(u.Settings, req.EMailAddress, acct))
}

// poxSettings is the settings answer for a user. Like Exchange's, it has
// both an EXCH (inside) and an EXPR (outside) protocol entry: an
// organization with one EWS URL serves it in both; the server is the
// directory's mailbox server, or else the EWS URL's host.
func poxSettings(ss Settings, address string, acct *poxAccountXML) *poxSettingsXML {
	internal, external := ss.Value(InternalEwsURL), ss.Value(ExternalEwsURL)
	if internal == "" {
		internal = external
	}
	if external == "" {
		external = internal
	}
	for _, p := range []struct{ typ, server, ews string }{
		{"EXCH", ss.Value("InternalMailboxServer"), internal},
		{"EXPR", ss.Value("ExternalMailboxServer"), external},
	} {
		if p.ews == "" {
			continue
		}
		if p.server == "" {
			if u, err := url.Parse(p.ews); err == nil {
				p.server = u.Hostname()
			}
		}
		acct.Protocols = append(acct.Protocols, poxProtoXML{Type: p.typ, Server: p.server, ASURL: p.ews, EWSURL: p.ews})
	}
	user := &poxUserXML{
		DisplayName:             ss.Value(UserDisplayName),
		LegacyDN:                ss.Value("UserDN"),
		AutoDiscoverSMTPAddress: ss.Value("AutoDiscoverSMTPAddress"),
		DeploymentID:            ss.Value(UserDeploymentID),
	}
	if user.DisplayName == "" {
		user.DisplayName = address
	}
	if user.AutoDiscoverSMTPAddress == "" {
		user.AutoDiscoverSMTPAddress = address
	}
	return &poxSettingsXML{User: user, Account: acct}
}

// poxURL is the POX endpoint on the host of a SOAP endpoint URL.
func poxURL(soapURL string) string {
	u, err := url.Parse(soapURL)
	if err != nil || u.Host == "" {
		return soapURL
	}
	return u.Scheme + "://" + u.Host + poxPath
}

// readPOXRequest reads and decodes a POX request within the limits; the root
// must be Autodiscover in the request namespace exactly.
func readPOXRequest(r *http.Request, l xmlguard.Limits) (*poxRequest, error) {
	data, err := xmlguard.ReadBody(r, l)
	if err != nil {
		return nil, err
	}
	return decodePOXRequest(data, l)
}

func decodePOXRequest(data []byte, l xmlguard.Limits) (*poxRequest, error) {
	if err := xmlguard.Check(data, l); err != nil {
		return nil, err
	}
	var req struct {
		XMLName                  xml.Name
		EMailAddress             string `xml:"Request>EMailAddress"`
		AcceptableResponseSchema string `xml:"Request>AcceptableResponseSchema"`
	}
	if err := xml.Unmarshal(data, &req); err != nil {
		return nil, &fedavail.XMLError{Context: "POX Autodiscover request", Err: err}
	}
	if req.XMLName.Local != "Autodiscover" {
		return nil, &fedavail.XMLError{Context: "POX Autodiscover request", Err: fmt.Errorf("root element is <%s>, want <Autodiscover>", req.XMLName.Local)}
	}
	if req.XMLName.Space != ns.POXRequest {
		return nil, &fedavail.NamespaceError{Element: "Autodiscover", Got: req.XMLName.Space, Want: ns.POXRequest}
	}
	if strings.TrimSpace(req.EMailAddress) == "" {
		return nil, &fedavail.XMLError{Context: "POX Autodiscover request", Err: errors.New("no EMailAddress")}
	}
	return &poxRequest{EMailAddress: strings.TrimSpace(req.EMailAddress), AcceptableResponseSchema: strings.TrimSpace(req.AcceptableResponseSchema)}, nil
}
