package wstrust

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/wssec"
)

// Request is one request security token (RST) message. A [Client] fills it in
// from a [fedavail.TokenRequest]; it is exported so that tests and tools can
// build byte-exact messages.
type Request struct {
	// To is the trust broker's endpoint (wsa:To, signed).
	To string
	// MessageID is the wsa:MessageID ("urn:uuid:…").
	MessageID string
	// ID is the Id attribute of t:RequestSecurityToken ("uuid-…").
	ID string
	// Created is the time of the wsu:Timestamp; it expires five minutes later.
	Created time.Time
	// AppliesTo is the address of the partner the token is for, already in
	// the form [AppliesTo] returns.
	AppliesTo string
	// Requestor is the requesting organization's application URI.
	Requestor string
	// Offer is what the token will be used for (the action claim).
	Offer fedavail.Offer
	// PolicyReference is the wsp:PolicyReference URI; empty means none.
	PolicyReference string
	// OnBehalfOf is the user assertion.
	OnBehalfOf Assertion
}

// Signing is the organization key a request is signed with.
type Signing struct {
	// Key is the organization certificate's private key: an
	// *rsa.PrivateKey, or a crypto.Signer keeping an RSA key in an HSM or KMS.
	Key crypto.Signer
	// SKI is the certificate's Subject Key Identifier, by which the trust
	// broker finds the certificate.
	SKI []byte
	// Method selects the algorithms; the zero value is Exchange's RSA-SHA1.
	Method SignatureMethod
}

// ErrNoKey is returned when a request is to be signed without a key, and
// by a [Client] without Keys.
var ErrNoKey = errors.New("wstrust: no organization key to sign with")

// Marshal renders the request as a signed SOAP 1.2 envelope: the wsa:To
// header and the wsu:Timestamp covered by a detached signature in the
// wsse:Security header, the on-behalf-of assertion with its own enveloped
// signature. Given the same Request and key, the output is the same
// byte for byte.
func (r *Request) Marshal(sg Signing) ([]byte, error) {
	env, err := r.envelope(sg)
	if err != nil {
		return nil, err
	}
	return env.Marshal()
}

// envelope signs the request: the wsa:To header (wsu:Id "_1") and the
// wsu:Timestamp (wsu:Id "_0") are covered by a detached signature in the
// wsse:Security header, and the on-behalf-of assertion carries its own
// enveloped signature.
func (r *Request) envelope(sg Signing) (*soap.Envelope, error) {
	if sg.Key == nil || len(sg.SKI) == 0 {
		return nil, ErrNoKey
	}
	if _, ok := sg.Key.Public().(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("wstrust: the organization key is %T, want RSA", sg.Key.Public())
	}
	s := &wssec.Signer{Key: sg.Key, SKI: sg.SKI, Method: sg.Method.wssec()}
	to := fmt.Appendf(nil, `<a:To xmlns:a="%s" xmlns:s="%s" xmlns:u="%s" s:mustUnderstand="1" u:Id="_1">%s</a:To>`,
		ns.WSA, ns.SOAP12, ns.WSU, text(r.To))
	ts := fmt.Appendf(nil, `<u:Timestamp xmlns:u="%s" u:Id="_0"><u:Created>%s</u:Created><u:Expires>%s</u:Expires></u:Timestamp>`,
		ns.WSU, formatTime(r.Created), formatTime(r.Created.Add(timestampLifetime*time.Minute)))
	sig, err := s.Sign([]wssec.Reference{{ID: "_1", Element: to}, {ID: "_0", Element: ts}})
	if err != nil {
		return nil, err
	}
	var sec bytes.Buffer
	fmt.Fprintf(&sec, `<o:Security xmlns:o="%s" xmlns:s="%s" s:mustUnderstand="1">`, ns.WSSE, ns.SOAP12)
	sec.Write(ts)
	sec.Write(sig)
	sec.WriteString(`</o:Security>`)

	body, err := r.body(s)
	if err != nil {
		return nil, err
	}
	return &soap.Envelope{
		Version: soap.V12,
		Headers: []any{
			soap.RawXML(fmt.Sprintf(`<a:Action xmlns:a="%s" xmlns:s="%s" s:mustUnderstand="1">%s</a:Action>`, ns.WSA, ns.SOAP12, ActionIssue)),
			soap.RawXML(fmt.Sprintf(`<a:MessageID xmlns:a="%s">%s</a:MessageID>`, ns.WSA, text(r.MessageID))),
			soap.RawXML(fmt.Sprintf(`<a:ReplyTo xmlns:a="%s"><a:Address>%s</a:Address></a:ReplyTo>`, ns.WSA, ns.WSAAnon)),
			soap.RawXML(to),
			soap.RawXML(sec.Bytes()),
		},
		Body: soap.RawXML(body),
	}, nil
}

// body renders t:RequestSecurityToken with its children in Exchange's order.
func (r *Request) body(s *wssec.Signer) ([]byte, error) {
	obo, err := r.OnBehalfOf.sign(s)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<t:RequestSecurityToken Id="%s" xmlns:t="%s">`, attr(r.ID), ns.WSTrust05)
	fmt.Fprintf(&b, `<t:RequestType>%s</t:RequestType>`, RequestTypeIssue)
	fmt.Fprintf(&b, `<t:TokenType>%s</t:TokenType>`, TokenTypeSAML11)
	fmt.Fprintf(&b, `<t:KeyType>%s</t:KeyType>`, KeyTypeSymmetric)
	b.WriteString(`<t:KeySize>256</t:KeySize>`)
	fmt.Fprintf(&b, `<t:CanonicalizationAlgorithm>%s</t:CanonicalizationAlgorithm>`, algExcC14N)
	fmt.Fprintf(&b, `<t:EncryptionAlgorithm>%s</t:EncryptionAlgorithm>`, algAES256CBC)
	fmt.Fprintf(&b, `<t:EncryptWith>%s</t:EncryptWith>`, algAES256CBC)
	fmt.Fprintf(&b, `<t:SignWith>%s</t:SignWith>`, algHMACSHA1)
	fmt.Fprintf(&b, `<t:ComputedKeyAlgorithm>%s</t:ComputedKeyAlgorithm>`, ComputedKeyPSHA1)
	fmt.Fprintf(&b, `<wsp:AppliesTo xmlns:wsp="%s"><a:EndpointReference xmlns:a="%s"><a:Address>%s</a:Address></a:EndpointReference></wsp:AppliesTo>`,
		ns.WSPolicy, ns.WSA, text(r.AppliesTo))
	b.WriteString(`<t:OnBehalfOf>`)
	b.Write(obo)
	b.WriteString(`</t:OnBehalfOf>`)
	fmt.Fprintf(&b, `<auth:AdditionalContext xmlns:auth="%s"><auth:ContextItem Scope="%s" Name="%s"><auth:Value>%s</auth:Value></auth:ContextItem></auth:AdditionalContext>`,
		ns.Auth0612, scopeRequestor, nameRequestor, text(r.Requestor))
	fmt.Fprintf(&b, `<t:Claims Dialect="%s"><auth:ClaimType xmlns:auth="%s" Uri="%s"><auth:Value>%s</auth:Value></auth:ClaimType></t:Claims>`,
		dialectAuthClaim, ns.Auth0612, claimAction, text(string(r.Offer)))
	if r.PolicyReference != "" {
		fmt.Fprintf(&b, `<wsp:PolicyReference xmlns:wsp="%s" URI="%s"/>`, ns.WSPolicy, attr(r.PolicyReference))
	}
	b.WriteString(`</t:RequestSecurityToken>`)
	return b.Bytes(), nil
}
