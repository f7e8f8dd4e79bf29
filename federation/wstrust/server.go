package wstrust

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/wssec"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// IncomingRequest is a verified RST as a trust broker receives it.
type IncomingRequest struct {
	// Certificate signed the message and the on-behalf-of assertion.
	Certificate *x509.Certificate
	// MessageID is the wsa:MessageID, for the answer's wsa:RelatesTo.
	MessageID string
	// To is the signed wsa:To.
	To string
	// Created and Expires are the signed wsu:Timestamp.
	Created, Expires time.Time
	// SignatureValue is the header signature's value. It covers wsa:To and
	// the timestamp only, so requests signed in the same instant share it:
	// a replay cache keys on it together with OnBehalfOf.ID.
	SignatureValue []byte
	// ID is the t:RequestSecurityToken Id.
	ID string
	// TokenType, KeyType and KeySize are what the requester asked for.
	TokenType, KeyType string
	KeySize            int
	// AppliesTo is the address of the partner the token is for.
	AppliesTo string
	// Requestor is the requesting organization's application URI, from the
	// signed assertion's Issuer (the AdditionalContext item must agree).
	Requestor string
	// Offer is the action claim.
	Offer fedavail.Offer
	// PolicyReference is the wsp:PolicyReference URI, if any.
	PolicyReference string
	// OnBehalfOf is the verified user assertion.
	OnBehalfOf Assertion
}

// Verifier checks incoming RSTs: the header signature must be by a known
// certificate and cover exactly the wsa:To header and the wsu:Timestamp; the
// timestamp must be current; the on-behalf-of assertion must be signed by the
// same certificate and be valid now. Claims are only ever read from the
// elements the signatures cover.
//
// As in Exchange's protocol, the RST body other than the assertion is not
// signed: it is protected by TLS alone, and a broker must not trust it further
// than the signed parts allow (the requestor comes from the assertion).
type Verifier struct {
	// Certificate returns the certificate whose Subject Key Identifier is
	// ski, or nil when no registered organization has it. Required.
	Certificate func(ski []byte) *x509.Certificate
	// Endpoint, if not empty, is the only accepted wsa:To, so that a request
	// signed for another broker cannot be replayed here.
	Endpoint string
	// IssuerURI, if not empty, is the only accepted audience of the
	// on-behalf-of assertion.
	IssuerURI string
	// MaxClockSkew is the tolerance for timestamps; zero means 5 minutes.
	MaxClockSkew time.Duration
	// Limits bound the request.
	Limits fedavail.Limits
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// maxTimestampLifetime bounds how long a signed timestamp may claim to be
// valid, and so how long a captured request could be replayed.
const maxTimestampLifetime = time.Hour

// Verify parses and verifies an RST envelope. Every failure is a
// *VerifyError; limit and DTD violations are wrapped in one.
func (v *Verifier) Verify(data []byte) (*IncomingRequest, error) {
	if v.Certificate == nil {
		return nil, errors.New("wstrust: Verifier without a certificate lookup")
	}
	doc, err := xmlguard.ParseEtree(data, xmlguard.Limits(v.Limits), "WS-Trust request")
	if err != nil {
		return nil, &VerifyError{Reason: ReasonMalformed, Err: err}
	}
	env := doc.Root()
	if env.Tag != "Envelope" || env.NamespaceURI() != ns.SOAP12 {
		return nil, reject(ReasonMalformed, "root is not a SOAP 1.2 Envelope")
	}
	if err := uniqueIDs(env); err != nil {
		return nil, err
	}
	header, err := mustChild(env, ns.SOAP12, "Header")
	if err != nil {
		return nil, err
	}
	body, err := mustChild(env, ns.SOAP12, "Body")
	if err != nil {
		return nil, err
	}
	in := &IncomingRequest{}
	cert, err := v.verifyHeader(header, in)
	if err != nil {
		return nil, err
	}
	in.Certificate = cert
	if err := v.readBody(body, in); err != nil {
		return nil, err
	}
	return in, nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) skew() time.Duration {
	if v.MaxClockSkew > 0 {
		return v.MaxClockSkew
	}
	return 5 * time.Minute
}

// verifyHeader checks the detached signature and returns its certificate.
func (v *Verifier) verifyHeader(header *etree.Element, in *IncomingRequest) (*x509.Certificate, error) {
	sec, err := child(header, ns.WSSE, "Security")
	if err != nil {
		return nil, err
	}
	if sec == nil {
		return nil, reject(ReasonUnsigned, "no wsse:Security header")
	}
	sig, err := child(sec, ns.DSig, "Signature")
	if err != nil {
		return nil, err
	}
	if sig == nil {
		return nil, reject(ReasonUnsigned, "no ds:Signature in wsse:Security")
	}
	to, err := mustChild(header, ns.WSA, "To")
	if err != nil {
		return nil, err
	}
	ts, err := mustChild(sec, ns.WSU, "Timestamp")
	if err != nil {
		return nil, err
	}
	if mid, err := child(header, ns.WSA, "MessageID"); err != nil {
		return nil, err
	} else if mid != nil {
		in.MessageID = strings.TrimSpace(mid.Text())
	}
	keyInfo, err := child(sig, ns.DSig, "KeyInfo")
	if err != nil {
		return nil, err
	}
	ski, err := keyIdentifierSKI(keyInfo)
	if err != nil {
		return nil, err
	}
	cert := v.Certificate(ski)
	if cert == nil {
		return nil, reject(ReasonUnknownKey, "no certificate with SKI %x", ski)
	}
	refs, err := verifySignedInfo(sig, cert)
	if err != nil {
		return nil, err
	}
	// Verified above, so present and base64.
	sv, _ := child(sig, ns.DSig, "SignatureValue")
	in.SignatureValue, _ = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.Text()), ""))
	// The references must name exactly the To header and the Timestamp, the
	// very elements read below: IDs are unique in the document (checked
	// first), and the elements were found by position, not by ID.
	targets := map[string]*etree.Element{attrNS(to, ns.WSU, "Id"): to, attrNS(ts, ns.WSU, "Id"): ts}
	delete(targets, "")
	if len(refs) != 2 || len(targets) != 2 {
		return nil, reject(ReasonNotCovered, "%d references", len(refs))
	}
	for _, ref := range refs {
		el, ok := targets[ref.ID]
		if !ok {
			return nil, reject(ReasonNotCovered, "reference #%s is neither wsa:To nor wsu:Timestamp", ref.ID)
		}
		delete(targets, ref.ID)
		if err := checkDigest(ref, el); err != nil {
			return nil, err
		}
	}
	in.To = strings.TrimSpace(to.Text())
	if v.Endpoint != "" && in.To != v.Endpoint {
		return nil, reject(ReasonWrongTo, "wsa:To is %q", in.To)
	}
	if err := v.checkTimestamp(ts, in); err != nil {
		return nil, err
	}
	return cert, nil
}

func (v *Verifier) checkTimestamp(ts *etree.Element, in *IncomingRequest) error {
	var err error
	in.Created, in.Expires, err = wssec.CheckTimestamp(ts, v.now(), v.skew(), maxTimestampLifetime)
	return fromSec(err)
}

// readBody reads t:RequestSecurityToken and verifies its assertion.
func (v *Verifier) readBody(body *etree.Element, in *IncomingRequest) error {
	kids := body.ChildElements()
	if len(kids) != 1 || kids[0].Tag != "RequestSecurityToken" || kids[0].NamespaceURI() != ns.WSTrust05 {
		return reject(ReasonMalformed, "body is not one t:RequestSecurityToken")
	}
	rst := kids[0]
	in.ID = rst.SelectAttrValue("Id", "")
	texts := map[string]*string{"RequestType": new(string), "TokenType": &in.TokenType, "KeyType": &in.KeyType, "KeySize": new(string)}
	for name, dst := range texts {
		el, err := child(rst, ns.WSTrust05, name)
		if err != nil {
			return err
		}
		if el != nil {
			*dst = strings.TrimSpace(el.Text())
		}
	}
	if rt := *texts["RequestType"]; rt != RequestTypeIssue {
		return reject(ReasonMalformed, "request type %q, want Issue", rt)
	}
	if ks := *texts["KeySize"]; ks != "" {
		n, err := strconv.Atoi(ks)
		if err != nil || n < 0 {
			return reject(ReasonMalformed, "key size %q", ks)
		}
		in.KeySize = n
	}
	if at, err := child(rst, ns.WSPolicy, "AppliesTo"); err != nil {
		return err
	} else if at != nil {
		if a := at.FindElement("./EndpointReference/Address"); a != nil {
			in.AppliesTo = strings.TrimSpace(a.Text())
		}
	}
	if in.AppliesTo == "" {
		return reject(ReasonMalformed, "no wsp:AppliesTo address")
	}
	if pr, err := child(rst, ns.WSPolicy, "PolicyReference"); err != nil {
		return err
	} else if pr != nil {
		in.PolicyReference = pr.SelectAttrValue("URI", "")
	}
	if cl, err := child(rst, ns.WSTrust05, "Claims"); err != nil {
		return err
	} else if cl != nil {
		for _, ct := range cl.ChildElements() {
			if ct.Tag == "ClaimType" && ct.SelectAttrValue("Uri", "") == claimAction {
				if val := ct.FindElement("./Value"); val != nil {
					in.Offer = fedavail.Offer(strings.TrimSpace(val.Text()))
				}
			}
		}
	}
	if in.Offer == "" {
		return reject(ReasonMalformed, "no action claim (offer)")
	}
	var contextRequestor string
	if ac, err := child(rst, ns.Auth0612, "AdditionalContext"); err != nil {
		return err
	} else if ac != nil {
		for _, item := range ac.ChildElements() {
			if item.Tag == "ContextItem" && item.SelectAttrValue("Name", "") == nameRequestor {
				if val := item.FindElement("./Value"); val != nil {
					contextRequestor = strings.TrimSpace(val.Text())
				}
			}
		}
	}
	obo, err := mustChild(rst, ns.WSTrust05, "OnBehalfOf")
	if err != nil {
		return err
	}
	if err := v.verifyAssertion(obo, in); err != nil {
		return err
	}
	in.Requestor = in.OnBehalfOf.Issuer
	if contextRequestor != "" && contextRequestor != in.Requestor {
		return reject(ReasonAssertion, "requestor %q differs from the assertion issuer %q", contextRequestor, in.Requestor)
	}
	return nil
}

// verifyAssertion checks the enveloped signature of the on-behalf-of
// assertion with goxmldsig, and reads the claims from the element goxmldsig
// returns — the canonical bytes the digest covered.
func (v *Verifier) verifyAssertion(obo *etree.Element, in *IncomingRequest) error {
	kids := obo.ChildElements()
	if len(kids) != 1 || kids[0].Tag != "Assertion" || kids[0].NamespaceURI() != ns.SAML11 {
		return reject(ReasonAssertion, "t:OnBehalfOf does not hold one SAML 1.1 assertion")
	}
	ctx, err := canonicalContext(kids[0])
	if err != nil {
		return &VerifyError{Reason: ReasonAssertion, Err: err}
	}
	sig, err := child(ctx, ns.DSig, "Signature")
	if err != nil {
		return err
	}
	if sig == nil {
		return reject(ReasonAssertion, "assertion is not signed")
	}
	keyInfo, err := child(sig, ns.DSig, "KeyInfo")
	if err != nil {
		return err
	}
	ski, err := keyIdentifierSKI(keyInfo)
	if err != nil {
		return err
	}
	if !bytes.Equal(ski, skiOf(in.Certificate)) {
		return reject(ReasonAssertion, "assertion signed by another key than the message")
	}
	// goxmldsig only knows X509Certificate key info; the key has been chosen
	// above among registered certificates, so hand it exactly that one.
	sig.RemoveChild(keyInfo)
	now := v.now()
	vc := &dsig.ValidationContext{
		CertificateStore: &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{in.Certificate}},
		IdAttribute:      "AssertionID",
		Clock:            dsig.NewFakeClockAt(now),
	}
	verified, err := vc.Validate(ctx)
	if err != nil {
		return &VerifyError{Reason: ReasonAssertion, Err: fmt.Errorf("signature: %w", err)}
	}
	a, err := readAssertion(verified)
	if err != nil {
		return err
	}
	skew := v.skew()
	switch {
	case a.NotBefore.After(now.Add(skew)):
		return reject(ReasonAssertion, "not valid before %s", a.NotBefore.Format(time.RFC3339))
	case !a.NotOnOrAfter.After(now.Add(-skew)):
		return reject(ReasonAssertion, "expired at %s", a.NotOnOrAfter.Format(time.RFC3339))
	case v.IssuerURI != "" && a.Audience != v.IssuerURI:
		return reject(ReasonAssertion, "audience %q, want %q", a.Audience, v.IssuerURI)
	case a.Email == "":
		return reject(ReasonAssertion, "no EmailAddress attribute")
	case a.Issuer == "":
		return reject(ReasonAssertion, "no issuer")
	}
	in.OnBehalfOf = *a
	return nil
}

// canonicalContext detaches el with its inherited namespace declarations, so
// that it can be verified as a document of its own.
func canonicalContext(el *etree.Element) (*etree.Element, error) {
	c, err := canonicalInPlace(el, "")
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(c); err != nil {
		return nil, err
	}
	return doc.Root(), nil
}

func readAssertion(el *etree.Element) (*Assertion, error) {
	a := &Assertion{ID: el.SelectAttrValue("AssertionID", ""), Issuer: el.SelectAttrValue("Issuer", "")}
	var err error
	if a.IssueInstant, err = parseTime(el.SelectAttrValue("IssueInstant", "")); err != nil {
		return nil, reject(ReasonAssertion, "IssueInstant")
	}
	cond := el.FindElement("./Conditions")
	if cond == nil {
		return nil, reject(ReasonAssertion, "no Conditions")
	}
	if a.NotBefore, err = parseTime(cond.SelectAttrValue("NotBefore", "")); err != nil {
		return nil, reject(ReasonAssertion, "NotBefore")
	}
	if a.NotOnOrAfter, err = parseTime(cond.SelectAttrValue("NotOnOrAfter", "")); err != nil {
		return nil, reject(ReasonAssertion, "NotOnOrAfter")
	}
	if aud := cond.FindElements("./AudienceRestrictionCondition/Audience"); len(aud) == 1 {
		a.Audience = strings.TrimSpace(aud[0].Text())
	} else {
		return nil, reject(ReasonAssertion, "%d audiences, want 1", len(aud))
	}
	stmts := el.FindElements("./AttributeStatement")
	if len(stmts) != 1 {
		return nil, reject(ReasonAssertion, "%d attribute statements, want 1", len(stmts))
	}
	if nid := stmts[0].FindElements("./Subject/NameIdentifier"); len(nid) == 1 {
		a.NameID = strings.TrimSpace(nid[0].Text())
		a.NameIDFormat = nid[0].SelectAttrValue("Format", "")
	}
	for _, at := range stmts[0].FindElements("./Attribute") {
		if at.SelectAttrValue("AttributeNamespace", "") != nsIdentityClaims {
			continue
		}
		vals := at.FindElements("./AttributeValue")
		if len(vals) != 1 || len(vals[0].ChildElements()) > 0 {
			return nil, reject(ReasonAssertion, "attribute %s must have one text value", at.SelectAttrValue("AttributeName", ""))
		}
		val := strings.TrimSpace(vals[0].Text())
		switch at.SelectAttrValue("AttributeName", "") {
		case "EmailAddress":
			if a.Email != "" {
				return nil, reject(ReasonAssertion, "two EmailAddress attributes")
			}
			a.Email = val
		case "EmailAddressList":
			a.EmailList = append(a.EmailList, val)
		}
	}
	return a, nil
}
