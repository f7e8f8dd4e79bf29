package broker

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Fault subcodes (WS-Trust February 2005, section 11), in the trust namespace.
const (
	subcodeFailedAuthentication = "FailedAuthentication"
	subcodeInvalidRequest       = "InvalidRequest"
	subcodeRequestFailed        = "RequestFailed"
)

// defaultClockSkew is wstrust.Verifier's tolerance when MaxClockSkew is zero.
const defaultClockSkew = 5 * time.Minute

// serveToken answers an RST with an RSTR or a SOAP 1.2 fault: Sender for a
// request that will never succeed as sent, Receiver for a failure of ours.
func (b *Broker) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "broker: POST a WS-Trust request", http.StatusMethodNotAllowed)
		return
	}
	data, err := xmlguard.ReadAll(r.Body, xmlguard.Limits(b.cfg.Limits))
	if le := (*fedavail.LimitError)(nil); errors.As(err, &le) {
		b.log.InfoContext(r.Context(), "broker: token request too large", "err", err)
		http.Error(w, "broker: request too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		b.fault(w, r, "Sender", subcodeInvalidRequest, "request too large or unreadable", err)
		return
	}
	ix := b.index.Load()
	v := &wstrust.Verifier{
		Certificate: func(ski []byte) *x509.Certificate { _, c := ix.bySKIOrg(ski); return c },
		Endpoint:    b.cfg.BaseURL + TokenPath,
		IssuerURI:   b.cfg.URI,
		Limits:      b.cfg.Limits,
		Now:         b.cfg.Now,
	}
	in, err := v.Verify(data)
	if err != nil {
		var re *wstrust.VerifyError
		sub := subcodeInvalidRequest
		reason := "invalid request"
		if errors.As(err, &re) {
			reason = re.Reason.String()
			if re.Reason != wstrust.ReasonMalformed {
				sub = subcodeFailedAuthentication
			}
		}
		b.fault(w, r, "Sender", sub, reason, err)
		return
	}
	// Each signed request is answered once: remembered until its timestamp,
	// with the verifier's clock skew, would refuse it anyway. The header
	// signature covers only wsa:To and the timestamp, which two requests
	// made in the same instant share; the signed assertion's ID, random
	// per request, tells them apart.
	if len(in.SignatureValue) == 0 || in.OnBehalfOf.ID == "" {
		b.fault(w, r, "Sender", subcodeFailedAuthentication, "request without a signature value or assertion ID", nil)
		return
	}
	key := append(append(append([]byte(nil), in.SignatureValue...), 0), in.OnBehalfOf.ID...)
	if fresh, err := b.cfg.Replay.Add(r.Context(), key, in.Expires.Add(defaultClockSkew+time.Second)); err != nil {
		b.fault(w, r, "Receiver", subcodeRequestFailed, "the broker cannot check for replay now", err)
		return
	} else if !fresh {
		b.fault(w, r, "Sender", subcodeFailedAuthentication, "request replayed", nil)
		return
	}
	requester, _ := ix.bySKIOrg(pki.SKI(in.Certificate))
	if requester == nil || in.Requestor != requester.ApplicationURI {
		b.fault(w, r, "Sender", subcodeFailedAuthentication, "requestor is not the organization that signed", nil)
		return
	}
	if reason := checkIdentity(in.OnBehalfOf, requester); reason != "" {
		b.fault(w, r, "Sender", subcodeFailedAuthentication, reason, nil)
		return
	}
	domain := fedavail.AddressDomain(in.OnBehalfOf.Email)
	if !requester.hasDomain(domain) {
		b.fault(w, r, "Sender", subcodeFailedAuthentication, "the user's domain is not a verified domain of the requesting organization", nil)
		return
	}
	if !in.Offer.Known() {
		b.fault(w, r, "Sender", subcodeInvalidRequest, "unknown offer", nil)
		return
	}
	target, targetCert := ix.target(in.AppliesTo)
	if target == nil {
		b.fault(w, r, "Sender", subcodeInvalidRequest, "no registered organization for AppliesTo", nil)
		return
	}
	issuer, hash := b.issuer, crypto.SHA256
	if b.cfg.SignatureHash != nil {
		if hash = b.cfg.SignatureHash(target.ApplicationURI); hash != crypto.SHA256 {
			iss := *b.issuer // the same issuer, with this relying party's digest
			iss.SignatureHash = hash
			issuer = &iss
		}
	}
	tok, err := issuer.Issue(token.Claims{
		Audience:            target.ApplicationURI,
		NameID:              b.nameID(requester, in.OnBehalfOf.Email),
		NameIDFormat:        token.NameIDFormatUPN,
		EmailAddress:        in.OnBehalfOf.Email,
		RequestorDomain:     domain,
		Offer:               in.Offer,
		ThirdPartyRequested: true,
	}, targetCert)
	if err != nil {
		b.fault(w, r, "Receiver", subcodeRequestFailed, "the broker could not issue the token", err)
		return
	}
	out, err := (&wstrust.Response{
		TokenType: wstrust.TokenTypeSAML11, AppliesTo: in.AppliesTo,
		Created: tok.Created, Expires: tok.Expires,
		Token: tok.EncryptedData, ProofKey: tok.ProofKey,
		AttachedReference: tok.AssertionID, UnattachedReference: tok.AssertionID,
	}).Marshal(in.MessageID)
	if err != nil {
		b.fault(w, r, "Receiver", subcodeRequestFailed, "the broker could not answer", err)
		return
	}
	b.log.InfoContext(r.Context(), "broker: token issued", "requestor", requester.ApplicationURI, "target", target.ApplicationURI, "offer", in.Offer,
		"assertion", tok.AssertionID, "signature", "RSA-"+hash.String())
	w.Header().Set("Content-Type", soap.V12.ContentType(""))
	_, _ = w.Write(out)
}

// checkIdentity accepts the two forms Exchange names users with: UPN, and
// ImmutableID ("<id>@<the requesting organization's application URI>", what
// on-premises Exchange sends). It returns why an identity is refused, or "".
func checkIdentity(a wstrust.Assertion, requester *Organization) string {
	switch {
	case strings.EqualFold(a.NameIDFormat, wstrust.NameIDFormatUPN):
		return ""
	case a.NameIDFormat == wstrust.NameIDFormatImmutableID:
		suffix := "@" + requester.ApplicationURI
		if len(a.NameID) <= len(suffix) || !strings.EqualFold(a.NameID[len(a.NameID)-len(suffix):], suffix) {
			return "the ImmutableID name identifier is not in the requesting organization's account namespace"
		}
		return ""
	}
	return "unknown name identifier format"
}

// nameID is an opaque, stable identity for a user of an organization, in the
// shape of the Federation Gateway's ("<base64 hash>@<issuer>"): partners can
// tell requests from the same user apart without learning anything more.
func (b *Broker) nameID(org *Organization, email string) string {
	sum := sha256.Sum256([]byte(org.AppID + "\x00" + strings.ToLower(email)))
	return base64.StdEncoding.EncodeToString(sum[:20]) + "@" + b.cfg.URI
}

func (b *Broker) fault(w http.ResponseWriter, r *http.Request, code, subcode, reason string, err error) {
	attrs := []any{"code", code, "reason", reason}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	b.log.InfoContext(r.Context(), "broker: token refused", attrs...)
	f := &fedavail.Fault{Code: code, Reason: "broker: " + reason}
	if subcode != "" {
		f.Subcodes = []string{subcode}
	}
	soap.WriteFault(w, soap.V12, f)
}
