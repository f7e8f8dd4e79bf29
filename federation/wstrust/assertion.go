package wstrust

import (
	"bytes"
	"fmt"
	"time"

	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/wssec"
)

// Assertion is the SAML 1.1 sender-vouches assertion a requesting organization
// puts into t:OnBehalfOf: "this user of ours asks", signed with the
// organization's certificate.
type Assertion struct {
	// ID is the AssertionID ("saml-" and a UUID when built by a [Client]).
	ID string
	// Issuer is the requesting organization's application URI.
	Issuer string
	// IssueInstant is when the assertion was made.
	IssueInstant time.Time
	// NotBefore and NotOnOrAfter bound the assertion's validity.
	NotBefore, NotOnOrAfter time.Time
	// Audience is the trust broker's issuer URI.
	Audience string
	// NameID is the user's federated identity and NameIDFormat its format.
	NameID, NameIDFormat string
	// Email is the user's SMTP address (the EmailAddress attribute).
	Email string
	// EmailList are further addresses of the user (EmailAddressList attributes).
	EmailList []string
}

// marshal renders the unsigned assertion as standalone XML.
func (a *Assertion) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<saml:Assertion MajorVersion="1" MinorVersion="1" AssertionID="%s" Issuer="%s" IssueInstant="%s" xmlns:saml="%s">`,
		attr(a.ID), attr(a.Issuer), formatTime(a.IssueInstant), ns.SAML11)
	fmt.Fprintf(&b, `<saml:Conditions NotBefore="%s" NotOnOrAfter="%s"><saml:AudienceRestrictionCondition><saml:Audience>%s</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions>`,
		formatTime(a.NotBefore), formatTime(a.NotOnOrAfter), text(a.Audience))
	subject := a.subject()
	fmt.Fprintf(&b, `<saml:AttributeStatement>%s<saml:Attribute AttributeName="EmailAddress" AttributeNamespace="%s"><saml:AttributeValue>%s</saml:AttributeValue></saml:Attribute>`,
		subject, nsIdentityClaims, text(a.Email))
	for _, e := range a.EmailList {
		fmt.Fprintf(&b, `<saml:Attribute AttributeName="EmailAddressList" AttributeNamespace="%s"><saml:AttributeValue>%s</saml:AttributeValue></saml:Attribute>`,
			nsIdentityClaims, text(e))
	}
	b.WriteString(`</saml:AttributeStatement>`)
	fmt.Fprintf(&b, `<saml:AuthenticationStatement AuthenticationMethod="%s" AuthenticationInstant="%s">%s</saml:AuthenticationStatement>`,
		amPassword, formatTime(a.IssueInstant), subject)
	b.WriteString(`</saml:Assertion>`)
	return b.Bytes()
}

func (a *Assertion) subject() string {
	format := a.NameIDFormat
	if format == "" {
		format = NameIDFormatUPN
	}
	return fmt.Sprintf(`<saml:Subject><saml:NameIdentifier Format="%s">%s</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>%s</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>`,
		attr(format), text(a.NameID), cmSenderVouches)
}

// sign returns the assertion with an enveloped signature as its last child
// (where SAML 1.1 puts ds:Signature).
func (a *Assertion) sign(s *wssec.Signer) ([]byte, error) {
	unsigned := a.marshal()
	sig, err := s.Sign([]wssec.Reference{{ID: a.ID, Element: unsigned, Enveloped: true}})
	if err != nil {
		return nil, err
	}
	end := bytes.LastIndex(unsigned, []byte("</saml:Assertion>"))
	out := make([]byte, 0, len(unsigned)+len(sig))
	out = append(out, unsigned[:end]...)
	out = append(out, sig...)
	return append(out, unsigned[end:]...), nil
}
