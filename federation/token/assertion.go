package token

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
)

// timeLayout is how the MFG writes SAML instants: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// buildAssertion writes c as an unsigned SAML 1.1 assertion in the shape of
// the Microsoft Federation Gateway's delegation tokens: Conditions with one
// audience, an AuthenticationStatement whose holder-of-key confirmation
// carries the proof key, and an AttributeStatement with the e-mail address,
// requestor domain, action (offer) and ThirdPartyRequested claims.
func buildAssertion(c *Claims) *etree.Element {
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("MajorVersion", "1")
	a.CreateAttr("MinorVersion", "1")
	a.CreateAttr("AssertionID", c.AssertionID)
	a.CreateAttr("Issuer", c.Issuer)
	a.CreateAttr("IssueInstant", c.IssueInstant.UTC().Format(timeLayout))
	a.CreateAttr("xmlns:saml", ns.SAML11)

	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", c.NotBefore.UTC().Format(timeLayout))
	cond.CreateAttr("NotOnOrAfter", c.NotOnOrAfter.UTC().Format(timeLayout))
	cond.CreateElement("saml:AudienceRestrictionCondition").CreateElement("saml:Audience").SetText(c.Audience)

	authn := a.CreateElement("saml:AuthenticationStatement")
	authn.CreateAttr("AuthenticationMethod", authMethodPassword)
	authn.CreateAttr("AuthenticationInstant", c.IssueInstant.UTC().Format(timeLayout))
	subj := authn.CreateElement("saml:Subject")
	addNameID(subj, c)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateElement("saml:ConfirmationMethod").SetText(confirmHolderOfKey)
	ki := sc.CreateElement("KeyInfo")
	ki.CreateAttr("xmlns", ns.DSig)
	bs := ki.CreateElement("trust:BinarySecret")
	bs.CreateAttr("xmlns:trust", ns.WSTrust13)
	bs.SetText(base64.StdEncoding.EncodeToString(c.ProofKey))

	as := a.CreateElement("saml:AttributeStatement")
	addNameID(as.CreateElement("saml:Subject"), c)
	addAttribute(as, "EmailAddress", NSClaims, c.EmailAddress)
	if c.RequestorDomain != "" {
		addAttribute(as, "RequestorDomain", NSIdentityClaims, c.RequestorDomain)
	}
	addAttribute(as, "action", NSAuthorizationClaims, string(c.Offer))
	if c.ThirdPartyRequested {
		addAttribute(as, "ThirdPartyRequested", NSIdentityClaims, "True")
	}
	return a
}

func addNameID(subject *etree.Element, c *Claims) {
	n := subject.CreateElement("saml:NameIdentifier")
	if c.NameIDFormat != "" {
		n.CreateAttr("Format", c.NameIDFormat)
	}
	n.SetText(c.NameID)
}

func addAttribute(as *etree.Element, name, space, value string) {
	at := as.CreateElement("saml:Attribute")
	at.CreateAttr("AttributeName", name)
	at.CreateAttr("AttributeNamespace", space)
	at.CreateElement("saml:AttributeValue").SetText(value)
}

// parseAssertion reads the claims of a SAML 1.1 assertion. The validator
// calls it only on the element the signature check returned, never on the
// document it was handed. Anything ambiguous (a repeated condition, subject or
// claim, two different name identifiers) is a format error rather than a
// choice, so there is no "first one wins" for an attacker to exploit.
func parseAssertion(a *etree.Element) (*Claims, error) {
	c, _, err := parseAssertionAudiences(a)
	return c, err
}

// maxAudiences bounds the Audience elements of one token: the MFG writes
// one, and each costs a comparison.
const maxAudiences = 16

// parseAssertionAudiences is parseAssertion that also returns the audience
// restrictions: one list per AudienceRestrictionCondition, in order.
// Claims.Audience is the first audience of the first list.
func parseAssertionAudiences(a *etree.Element) (c *Claims, restrictions [][]string, err error) {
	if !is(a, ns.SAML11, "Assertion") {
		return nil, nil, formatErr("root element is %s, want saml:Assertion", a.FullTag())
	}
	if attr(a, "MajorVersion") != "1" || attr(a, "MinorVersion") != "1" {
		return nil, nil, formatErr("assertion version %s.%s, want 1.1", attr(a, "MajorVersion"), attr(a, "MinorVersion"))
	}
	c = &Claims{AssertionID: attr(a, "AssertionID"), Issuer: attr(a, "Issuer")}
	if c.AssertionID == "" {
		return nil, nil, formatErr("assertion has no AssertionID")
	}
	if c.IssueInstant, err = parseInstant(attr(a, "IssueInstant"), true); err != nil {
		return nil, nil, err
	}

	cond := children(a, ns.SAML11, "Conditions")
	if len(cond) != 1 {
		return nil, nil, formatErr("want one Conditions, found %d", len(cond))
	}
	if c.NotBefore, err = parseInstant(attr(cond[0], "NotBefore"), false); err != nil {
		return nil, nil, err
	}
	if c.NotOnOrAfter, err = parseInstant(attr(cond[0], "NotOnOrAfter"), true); err != nil {
		return nil, nil, err
	}
	if restrictions, err = readAudiences(cond[0]); err != nil {
		return nil, nil, err
	}
	c.Audience = restrictions[0][0]

	if err := readAuthentication(a, c); err != nil {
		return nil, nil, err
	}
	if err := readAttributes(a, c); err != nil {
		return nil, nil, err
	}
	return c, restrictions, nil
}

// readAudiences returns the audiences of each AudienceRestrictionCondition
// of cond. There must be at least one condition, each naming at least one
// audience, as SAML 1.1's schema and WCF's AudienceUriMode.Always (which
// Exchange's TokenValidator sets) require.
func readAudiences(cond *etree.Element) ([][]string, error) {
	var out [][]string
	n := 0
	for _, arc := range children(cond, ns.SAML11, "AudienceRestrictionCondition") {
		auds := children(arc, ns.SAML11, "Audience")
		if len(auds) == 0 {
			return nil, formatErr("AudienceRestrictionCondition names no Audience")
		}
		if n += len(auds); n > maxAudiences {
			return nil, formatErr("more than %d Audience elements", maxAudiences)
		}
		list := make([]string, 0, len(auds))
		for _, el := range auds {
			v, err := text(el)
			if err != nil {
				return nil, failErr(InvalidTokenFormat, err)
			}
			list = append(list, strings.TrimSpace(v))
		}
		out = append(out, list)
	}
	if len(out) == 0 {
		return nil, formatErr("no AudienceRestrictionCondition")
	}
	return out, nil
}

func readAuthentication(a *etree.Element, c *Claims) error {
	stmts := children(a, ns.SAML11, "AuthenticationStatement")
	if len(stmts) != 1 {
		return formatErr("want one AuthenticationStatement, found %d", len(stmts))
	}
	subj := child(stmts[0], ns.SAML11, "Subject")
	if subj == nil {
		return formatErr("AuthenticationStatement has no single Subject")
	}
	var err error
	if c.NameID, c.NameIDFormat, err = nameID(subj); err != nil {
		return err
	}
	sc := child(subj, ns.SAML11, "SubjectConfirmation")
	if sc == nil {
		return nil
	}
	// The MFG writes the WS-Trust 1.3 BinarySecret; accept February 2005 too.
	ki := child(sc, ns.DSig, "KeyInfo")
	bs := append(children(ki, ns.WSTrust13, "BinarySecret"), children(ki, ns.WSTrust05, "BinarySecret")...)
	if len(bs) > 1 {
		return formatErr("more than one proof key")
	}
	if len(bs) == 1 {
		s, err := text(bs[0])
		if err != nil {
			return failErr(InvalidTokenFormat, err)
		}
		if c.ProofKey, err = decodeBase64(s); err != nil {
			return formatErr("proof key is not base64")
		}
	}
	return nil
}

// nameID reads a Subject's NameIdentifier; a missing or empty one is
// Exchange's InvalidUnknownExternalIdentity.
func nameID(subj *etree.Element) (value, format string, err error) {
	ids := children(subj, ns.SAML11, "NameIdentifier")
	if len(ids) > 1 {
		return "", "", formatErr("Subject has %d NameIdentifiers", len(ids))
	}
	if len(ids) == 0 {
		return "", "", fail(InvalidUnknownExternalIdentity, "Subject has no NameIdentifier")
	}
	v, err := text(ids[0])
	if err != nil {
		return "", "", failErr(InvalidTokenFormat, err)
	}
	if strings.TrimSpace(v) == "" {
		return "", "", fail(InvalidUnknownExternalIdentity, "NameIdentifier is empty")
	}
	return v, attr(ids[0], "Format"), nil
}

func readAttributes(a *etree.Element, c *Claims) error {
	stmts := children(a, ns.SAML11, "AttributeStatement")
	if len(stmts) != 1 {
		return formatErr("want one AttributeStatement, found %d", len(stmts))
	}
	if subj := child(stmts[0], ns.SAML11, "Subject"); subj != nil {
		id, _, err := nameID(subj)
		if err != nil {
			return err
		}
		if id != c.NameID {
			return formatErr("the statements name different subjects")
		}
	}
	seen := map[string]bool{}
	for _, at := range children(stmts[0], ns.SAML11, "Attribute") {
		key := attr(at, "AttributeNamespace") + "/" + attr(at, "AttributeName")
		if seen[key] {
			return formatErr("claim %s appears twice", key)
		}
		seen[key] = true
		vals := children(at, ns.SAML11, "AttributeValue")
		if len(vals) != 1 {
			return formatErr("claim %s has %d values, want 1", key, len(vals))
		}
		v, err := text(vals[0])
		if err != nil {
			return failErr(InvalidTokenFormat, err)
		}
		switch key {
		case NSClaims + "/EmailAddress":
			c.EmailAddress = v
		case NSIdentityClaims + "/RequestorDomain":
			c.RequestorDomain = v
		case NSAuthorizationClaims + "/action":
			c.Offer = fedavail.Offer(v)
		case NSIdentityClaims + "/ThirdPartyRequested":
			c.ThirdPartyRequested = strings.EqualFold(v, "true")
		}
	}
	return nil
}

func parseInstant(s string, required bool) (time.Time, error) {
	if s == "" {
		if required {
			return time.Time{}, formatErr("missing time stamp")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, formatErr("bad time stamp %q", s)
	}
	return t.UTC(), nil
}

func formatErr(format string, args ...any) *ValidationError {
	return &ValidationError{Reason: InvalidTokenFormat, Err: fmt.Errorf("token: "+format, args...)}
}
