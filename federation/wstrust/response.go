package wstrust

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Response is a request security token response (RSTR).
type Response struct {
	// TokenType is the t:TokenType, if the broker stated one.
	TokenType string
	// AppliesTo is the partner address the token is for, if stated.
	AppliesTo string
	// Created and Expires are the t:Lifetime.
	Created, Expires time.Time
	// Token is the only child of t:RequestedSecurityToken, byte for byte and
	// standalone: an xenc:EncryptedData (or an o:BinarySecurityToken).
	Token []byte
	// ProofKey is the t:RequestedProofToken/t:BinarySecret, decoded.
	ProofKey []byte
	// AttachedReference and UnattachedReference are the assertion IDs named
	// by t:RequestedAttachedReference and t:RequestedUnattachedReference.
	AttachedReference, UnattachedReference string
}

// FedavailToken returns the response as the token a [fedavail.TokenSource] hands out.
func (r *Response) FedavailToken() *fedavail.Token {
	id := r.UnattachedReference
	if id == "" {
		id = r.AttachedReference
	}
	return &fedavail.Token{
		EncryptedData: r.Token,
		ProofKey:      r.ProofKey,
		AssertionID:   id,
		Created:       r.Created,
		Expires:       r.Expires,
	}
}

var rstrName = xml.Name{Space: ns.WSTrust05, Local: "RequestSecurityTokenResponse"}

// ParseResponse reads a SOAP 1.2 RSTR envelope. A SOAP fault is returned as a
// *fedavail.Fault; malformed input as *fedavail.XMLError,
// *fedavail.NamespaceError, *fedavail.LimitError or fedavail.ErrDTD.
func ParseResponse(data []byte, limits fedavail.Limits) (*Response, error) {
	msg, err := soap.Decode(data, soap.DecodeOptions{Limits: xmlguard.Limits(limits), Version: soap.V12, BodyName: rstrName})
	if err != nil {
		return nil, err
	}
	return parseRSTR(&msg.Body)
}

func parseRSTR(body *soap.Element) (*Response, error) {
	kids, err := soap.Children(body)
	if err != nil {
		return nil, err
	}
	r := &Response{}
	var gotLifetime bool
	for i := range kids {
		k := &kids[i]
		switch {
		case k.Name.Space == ns.WSTrust05 && k.Name.Local == "TokenType":
			r.TokenType, err = elementText(k)
		case k.Name.Space == ns.WSPolicy && k.Name.Local == "AppliesTo":
			var v struct {
				Address string `xml:"http://www.w3.org/2005/08/addressing EndpointReference>Address"`
			}
			err = k.Decode(&v)
			r.AppliesTo = strings.TrimSpace(v.Address)
		case k.Name.Space == ns.WSTrust05 && k.Name.Local == "Lifetime":
			r.Created, r.Expires, err = parseLifetime(k)
			gotLifetime = true
		case k.Name.Space == ns.WSTrust05 && k.Name.Local == "RequestedSecurityToken":
			r.Token, err = onlyChild(k)
		case k.Name.Space == ns.WSTrust05 && k.Name.Local == "RequestedProofToken":
			r.ProofKey, err = parseProofToken(k)
		case k.Name.Space == ns.WSTrust05 && k.Name.Local == "RequestedAttachedReference":
			r.AttachedReference, err = parseReference(k)
		case k.Name.Space == ns.WSTrust05 && k.Name.Local == "RequestedUnattachedReference":
			r.UnattachedReference, err = parseReference(k)
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case !gotLifetime:
		return nil, malformedRSTR("no t:Lifetime")
	case r.Token == nil:
		return nil, malformedRSTR("no t:RequestedSecurityToken")
	case !r.Expires.After(r.Created):
		return nil, malformedRSTR("t:Lifetime expires before it begins")
	}
	return r, nil
}

func malformedRSTR(format string, args ...any) error {
	return &fedavail.XMLError{Context: "WS-Trust response", Err: fmt.Errorf(format, args...)}
}

func elementText(el *soap.Element) (string, error) {
	var v struct {
		Text string `xml:",chardata"`
	}
	if err := el.Decode(&v); err != nil {
		return "", err
	}
	return strings.TrimSpace(v.Text), nil
}

func parseLifetime(el *soap.Element) (created, expires time.Time, err error) {
	var v struct {
		Created string `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd Created"`
		Expires string `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd Expires"`
	}
	if err = el.Decode(&v); err != nil {
		return
	}
	if created, err = parseTime(v.Created); err != nil {
		return created, expires, malformedRSTR("t:Lifetime/wsu:Created: %v", err)
	}
	if expires, err = parseTime(v.Expires); err != nil {
		return created, expires, malformedRSTR("t:Lifetime/wsu:Expires: %v", err)
	}
	return created, expires, nil
}

// onlyChild returns the single child element of el, standalone.
func onlyChild(el *soap.Element) ([]byte, error) {
	kids, err := soap.Children(el)
	if err != nil {
		return nil, err
	}
	if len(kids) != 1 {
		return nil, malformedRSTR("%s has %d child elements, want 1", el.Name.Local, len(kids))
	}
	k := kids[0]
	if !(k.Name.Space == ns.XMLEnc && k.Name.Local == "EncryptedData") && !(k.Name.Space == ns.WSSE && k.Name.Local == "BinarySecurityToken") {
		return nil, malformedRSTR("requested token is <%s> in %q, want xenc:EncryptedData", k.Name.Local, k.Name.Space)
	}
	return bytes.Clone(k.Standalone()), nil
}

func parseProofToken(el *soap.Element) ([]byte, error) {
	var v struct {
		Secret *string `xml:"http://schemas.xmlsoap.org/ws/2005/02/trust BinarySecret"`
	}
	if err := el.Decode(&v); err != nil {
		return nil, err
	}
	if v.Secret == nil {
		return nil, malformedRSTR("t:RequestedProofToken without t:BinarySecret")
	}
	key, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(*v.Secret), ""))
	if err != nil {
		return nil, malformedRSTR("t:BinarySecret: %v", err)
	}
	return key, nil
}

func parseReference(el *soap.Element) (string, error) {
	var v struct {
		KeyIdentifier string `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd SecurityTokenReference>KeyIdentifier"`
	}
	if err := el.Decode(&v); err != nil {
		return "", err
	}
	return strings.TrimSpace(v.KeyIdentifier), nil
}

// Marshal renders the response as a SOAP 1.2 envelope in the shape of the
// Federation Gateway's answer. relatesTo is the request's wsa:MessageID.
func (r *Response) Marshal(relatesTo string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<t:RequestSecurityTokenResponse xmlns:t="%s" xmlns:u="%s">`, ns.WSTrust05, ns.WSU)
	if r.TokenType != "" {
		fmt.Fprintf(&b, `<t:TokenType>%s</t:TokenType>`, text(r.TokenType))
	}
	if r.AppliesTo != "" {
		fmt.Fprintf(&b, `<wsp:AppliesTo xmlns:wsp="%s"><a:EndpointReference xmlns:a="%s"><a:Address>%s</a:Address></a:EndpointReference></wsp:AppliesTo>`,
			ns.WSPolicy, ns.WSA, text(r.AppliesTo))
	}
	fmt.Fprintf(&b, `<t:Lifetime><u:Created>%s</u:Created><u:Expires>%s</u:Expires></t:Lifetime>`, formatTime(r.Created), formatTime(r.Expires))
	b.WriteString(`<t:RequestedSecurityToken>`)
	b.Write(r.Token)
	b.WriteString(`</t:RequestedSecurityToken>`)
	for _, ref := range []struct{ name, id string }{{"RequestedAttachedReference", r.AttachedReference}, {"RequestedUnattachedReference", r.UnattachedReference}} {
		if ref.id != "" {
			fmt.Fprintf(&b, `<t:%s><o:SecurityTokenReference xmlns:o="%s"><o:KeyIdentifier ValueType="%s">%s</o:KeyIdentifier></o:SecurityTokenReference></t:%s>`,
				ref.name, ns.WSSE, SAMLAssertionID, text(ref.id), ref.name)
		}
	}
	if len(r.ProofKey) > 0 {
		fmt.Fprintf(&b, `<t:RequestedProofToken><t:BinarySecret>%s</t:BinarySecret></t:RequestedProofToken>`, base64.StdEncoding.EncodeToString(r.ProofKey))
	}
	b.WriteString(`</t:RequestSecurityTokenResponse>`)
	headers := []any{
		soap.RawXML(fmt.Sprintf(`<a:Action xmlns:a="%s" xmlns:s="%s" s:mustUnderstand="1">%s</a:Action>`, ns.WSA, ns.SOAP12, ActionIssueReply)),
	}
	if relatesTo != "" {
		headers = append(headers, soap.RawXML(fmt.Sprintf(`<a:RelatesTo xmlns:a="%s">%s</a:RelatesTo>`, ns.WSA, text(relatesTo))))
	}
	env := &soap.Envelope{Version: soap.V12, Headers: headers, Body: soap.RawXML(b.Bytes())}
	return env.Marshal()
}
