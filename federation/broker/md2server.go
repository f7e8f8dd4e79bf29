package broker

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/mfg"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/wssec"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// ManageDelegation2Path is where the broker serves ManageDelegation2, the
// Federation Gateway's registration protocol (package mfg; the path Exchange
// uses, matched without regard to case).
const ManageDelegation2Path = mfg.Path

// Reservation is a domain reserved with ReserveDomain.
type Reservation struct {
	// Domain is the reserved domain, e.g. "FYDIBOHF25SPDLT.contoso.com",
	// lower case.
	Domain string `json:"domain"`
	// State is PendingActivation or PendingRelease as last written; the
	// state reported is derived from it, Since and Config.DomainStateDelay
	// ([Reservation.StateAt]).
	State mfg.DomainState `json:"state"`
	// Since is when State was written.
	Since time.Time `json:"since"`
}

// StateAt is the reservation's state at now: PendingActivation becomes
// Active, and PendingRelease ends (returned as ""), delay after Since.
func (r Reservation) StateAt(now time.Time, delay time.Duration) mfg.DomainState {
	done := !now.Before(r.Since.Add(delay))
	switch {
	case r.State == mfg.PendingActivation && done:
		return mfg.Active
	case r.State == mfg.PendingRelease && done:
		return ""
	}
	return r.State
}

// Timing of the ManageDelegation2 checks. Exchange's Timestamp lasts five
// minutes; the skew is small so that a request can be accepted only while
// its signature is still in the replay cache (2 × maxRequestAge).
const (
	md2MaxLifetime = maxRequestAge
	md2Skew        = 2 * time.Minute
)

// md2Request is a verified ManageDelegation2 request.
type md2Request struct {
	op     mfg.Operation
	cert   *x509.Certificate // the signer, from KeyInfo
	params map[string]string // the operation's simple parameters
	// proofDomain and proofSig are the DomainOwnershipProofHeader's Domain
	// and Signature, if present.
	proofDomain string
	proofSig    []byte
	newCert     *x509.Certificate // UpdateAppIdCertificate
}

// md2Error is a refusal: a DomainError code and the faultstring.
func md2Error(code mfg.Code, format string, args ...any) *mfg.Error {
	return &mfg.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// serveManageDelegation2 answers a ManageDelegation2 request the way the
// gateway does, as far as Exchange's client shows it: a SOAP 1.1 answer or
// a fault whose detail carries a DomainError code. Every request must carry
// a current wsu:Timestamp, signed (the Timestamp only) by the certificate in
// its KeyInfo, and never seen before; every operation but CreateAppId must
// be signed by the application identifier's registered certificate;
// CreateAppId, ReserveDomain and AddUri must prove the domain in DNS.
func (b *Broker) serveManageDelegation2(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "broker: POST a ManageDelegation2 SOAP request", http.StatusMethodNotAllowed)
		return
	}
	data, err := xmlguard.ReadAll(r.Body, xmlguard.Limits(b.cfg.Limits))
	if err != nil {
		b.md2Fault(w, r, "", md2Error(mfg.InvalidParameter, "request too large or unreadable"), err)
		return
	}
	req, err := b.readMD2(r.Context(), data, r.Header.Get("SOAPAction"))
	if err != nil {
		var e *mfg.Error
		if !errors.As(err, &e) {
			e = md2Error(mfg.InvalidParameter, "malformed request")
		}
		b.md2Fault(w, r, "", e, err)
		return
	}
	result, err := b.md2Do(r.Context(), req)
	if err != nil {
		var e *mfg.Error
		if !errors.As(err, &e) {
			e = md2Error(mfg.InternalError, "internal error")
		}
		b.md2Fault(w, r, req.op, e, err)
		return
	}
	b.log.InfoContext(r.Context(), "broker: ManageDelegation2", "op", string(req.op), "app_id", req.params["appId"])
	var body bytes.Buffer
	fmt.Fprintf(&body, `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="%s"><soap:Body><%sResponse xmlns="%s">%s</%sResponse></soap:Body></soap:Envelope>`,
		ns.SOAP11, req.op, mfg.Namespace, result, req.op)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(body.Bytes())
}

// md2Fault writes a SOAP 1.1 fault whose detail's first child is the
// DomainError code (and, for PassportError, whose last is the HRESULT), as
// Exchange's client reads it. Server faults are the broker's own failures.
func (b *Broker) md2Fault(w http.ResponseWriter, r *http.Request, op mfg.Operation, e *mfg.Error, err error) {
	attrs := []any{"op", string(op), "code", e.Code.String(), "reason", e.Message}
	if err != nil && err != error(e) {
		attrs = append(attrs, "err", err)
	}
	b.log.InfoContext(r.Context(), "broker: ManageDelegation2 refused", attrs...)
	code, status := "soap:Client", http.StatusInternalServerError // ASMX answers every fault with 500
	if e.Code == mfg.InternalError {
		code = "soap:Server"
	}
	var detail strings.Builder
	fmt.Fprintf(&detail, `<md:ErrorCode>%d</md:ErrorCode><md:ErrorName>%s</md:ErrorName>`, int(e.Code), e.Code)
	if e.HResult != 0 {
		fmt.Fprintf(&detail, `<md:HResult>0x%08X</md:HResult>`, e.HResult)
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="%s"><soap:Body><soap:Fault><faultcode>%s</faultcode><faultstring>%s</faultstring><detail xmlns:md="%s">%s</detail></soap:Fault></soap:Body></soap:Envelope>`,
		ns.SOAP11, code, wssec.Escape("broker: "+e.Message), mfg.Namespace, detail.String())
}

// md2Params are the simple parameters of each operation, in order.
var md2Params = map[mfg.Operation][]string{
	mfg.OpCreateAppID:            {"uri"},
	mfg.OpUpdateAppIDCertificate: {"appId", "newCertificate"},
	mfg.OpUpdateAppIDProperties:  {"appId"},
	mfg.OpAddURI:                 {"appId", "uri"},
	mfg.OpRemoveURI:              {"appId", "uri"},
	mfg.OpReserveDomain:          {"appId", "domainName", "programId"},
	mfg.OpReleaseDomain:          {"appId", "domainName"},
	mfg.OpGetDomainInfo:          {"appId", "domainName"},
}

// readMD2 parses and authenticates a request: envelope shape, unique IDs,
// the Timestamp's signature by the certificate in KeyInfo, its freshness,
// replay, then the operation and its parameters.
func (b *Broker) readMD2(ctx context.Context, data []byte, soapAction string) (*md2Request, error) {
	doc, err := xmlguard.ParseEtree(data, xmlguard.Limits(b.cfg.Limits), "ManageDelegation2 request")
	if err != nil {
		return nil, err
	}
	env := doc.Root()
	if env.Tag != "Envelope" || env.NamespaceURI() != ns.SOAP11 {
		return nil, md2Error(mfg.InvalidParameter, "not a SOAP 1.1 envelope")
	}
	if err := wssec.UniqueIDs(env); err != nil {
		return nil, authErr(err)
	}
	header, err := wssec.MustChild(env, ns.SOAP11, "Header")
	if err != nil {
		return nil, authErr(err)
	}
	body, err := wssec.MustChild(env, ns.SOAP11, "Body")
	if err != nil {
		return nil, md2Error(mfg.InvalidParameter, "no SOAP Body")
	}
	req := &md2Request{params: map[string]string{}}
	if req.cert, err = b.verifyMD2Security(header); err != nil {
		return nil, err
	}
	// The operation: the body's only element, in the service namespace,
	// agreeing with SOAPAction when one is sent.
	kids := body.ChildElements()
	if len(kids) != 1 || kids[0].NamespaceURI() != mfg.Namespace {
		return nil, md2Error(mfg.InvalidParameter, "the body is not one ManageDelegation2 operation")
	}
	op := mfg.Operation(kids[0].Tag)
	names, known := md2Params[op]
	if !known {
		return nil, md2Error(mfg.NYI, "operation %q", op)
	}
	if a := strings.Trim(strings.TrimSpace(soapAction), `"`); a != "" && a != op.Action() {
		return nil, md2Error(mfg.InvalidParameter, "SOAPAction %q does not name %s", a, op)
	}
	req.op = op
	for _, n := range names {
		el, err := wssec.Child(kids[0], mfg.Namespace, n)
		if err != nil {
			return nil, authErr(err)
		}
		if el != nil {
			req.params[n] = strings.TrimSpace(el.Text())
		}
	}
	if op == mfg.OpUpdateAppIDCertificate {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(req.params["newCertificate"]), ""))
		if err != nil {
			return nil, md2Error(mfg.InvalidPartnerCert, "newCertificate is not base64")
		}
		if req.newCert, err = x509.ParseCertificate(der); err != nil || pki.SKI(req.newCert) == nil {
			return nil, md2Error(mfg.InvalidPartnerCert, "newCertificate is not a usable certificate")
		}
	}
	if op.NeedsProof() {
		if err := readProof(header, req); err != nil {
			return nil, err
		}
	}
	// A certificate being bound to an identifier must be fit for federation.
	bound := req.newCert
	if op == mfg.OpCreateAppID {
		bound = req.cert
	}
	if err := b.checkOrgCert(bound); err != nil {
		return nil, md2Error(mfg.InvalidPartnerCert, "%v", err)
	}
	// Exchange signs one Timestamp per client object and polls
	// GetDomainInfo with it every five seconds: the same request again. A
	// repeated read changes nothing, so only changes count as replays.
	sec, _ := wssec.Child(header, ns.WSSE, "Security")
	sig, _ := wssec.Child(sec, ns.DSig, "Signature")
	if op != mfg.OpGetDomainInfo {
		// Remembered (in the replay cache replicas share) for as long as
		// its Timestamp could still be accepted.
		fresh, err := b.cfg.Replay.Add(ctx, replayKey(sig, req), b.now().Add(2*maxRequestAge))
		if err != nil {
			return nil, md2Error(mfg.InternalError, "cannot check for replay now; retry later")
		}
		if !fresh {
			return nil, md2Error(mfg.MemberNotAuthenticated, "request replayed")
		}
	}
	return req, nil
}

// authErr maps a signature check failure to the code the broker answers
// it with: MemberNotAuthenticated for anything about the signature or its
// Timestamp.
func authErr(err error) error {
	var e *wssec.Error
	if errors.As(err, &e) {
		if e.Kind == wssec.Malformed {
			return md2Error(mfg.InvalidParameter, "%s", e.Error())
		}
		return md2Error(mfg.MemberNotAuthenticated, "%s", e.Error())
	}
	return err
}

// verifyMD2Security checks the Security header and returns the signer.
func (b *Broker) verifyMD2Security(header *etree.Element) (*x509.Certificate, error) {
	sec, err := wssec.Child(header, ns.WSSE, "Security")
	if err != nil {
		return nil, authErr(err)
	}
	if sec == nil {
		return nil, md2Error(mfg.MemberNotAuthenticated, "no wsse:Security header")
	}
	ts, err := wssec.MustChild(sec, ns.WSU, "Timestamp")
	if err != nil {
		return nil, md2Error(mfg.MemberNotAuthenticated, "no signed wsu:Timestamp")
	}
	sig, err := wssec.MustChild(sec, ns.DSig, "Signature")
	if err != nil {
		return nil, md2Error(mfg.MemberNotAuthenticated, "request is not signed")
	}
	keyInfo, err := wssec.Child(sig, ns.DSig, "KeyInfo")
	if err != nil {
		return nil, authErr(err)
	}
	cert, err := wssec.KeyInfoCertificate(keyInfo)
	if err != nil {
		return nil, md2Error(mfg.InvalidPartnerCert, "KeyInfo: %v", err)
	}
	refs, err := wssec.VerifySignedInfo(sig, cert)
	if err != nil {
		return nil, authErr(err)
	}
	if len(refs) != 1 || refs[0].ID == "" || refs[0].ID != wssec.AttrNS(ts, ns.WSU, "Id") {
		return nil, md2Error(mfg.MemberNotAuthenticated, "the signature must cover the wsu:Timestamp, and only it")
	}
	if err := wssec.CheckDigest(refs[0], ts); err != nil {
		return nil, authErr(err)
	}
	now := b.now()
	if _, _, err := wssec.CheckTimestamp(ts, now, md2Skew, md2MaxLifetime); err != nil {
		return nil, authErr(err)
	}
	return cert, nil
}

// replayKey identifies a request for the replay cache: the signature value
// and everything the request asks. The signature alone would not do:
// Exchange builds its Security header once per client object (EXD
// SoapAuthenticator.WSSecurityAuthenticator), so CreateAppId and
// ReserveDomain carry the same Timestamp and signature.
func replayKey(sig *etree.Element, req *md2Request) []byte {
	sv, _ := wssec.Child(sig, ns.DSig, "SignatureValue")
	var b bytes.Buffer
	if sv != nil {
		b.WriteString(strings.Join(strings.Fields(sv.Text()), ""))
	}
	fmt.Fprintf(&b, "\x00%s\x00%s\x00%x", req.op, req.proofDomain, req.proofSig)
	for _, n := range md2Params[req.op] {
		fmt.Fprintf(&b, "\x00%s=%s", n, req.params[n])
	}
	return b.Bytes()
}

// readProof reads the DomainOwnershipProofHeader.
func readProof(header *etree.Element, req *md2Request) error {
	p, err := wssec.Child(header, mfg.Namespace, "DomainOwnershipProofHeader")
	if err != nil {
		return authErr(err)
	}
	if p == nil {
		return md2Error(mfg.ProofOfOwnershipNotValid, "no DomainOwnershipProofHeader")
	}
	text := func(local string) string {
		el, _ := wssec.Child(p, mfg.Namespace, local)
		if el == nil {
			return ""
		}
		return strings.TrimSpace(el.Text())
	}
	if h := text("HashAlgorithm"); h != mfg.HashAlgorithm {
		return md2Error(mfg.ProofOfOwnershipNotValid, "hash algorithm %q, want SHA-512", h)
	}
	req.proofDomain = text("Domain")
	sig, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text("Signature")), ""))
	if err != nil || len(sig) == 0 {
		return md2Error(mfg.ProofOfOwnershipNotValid, "proof signature is not base64")
	}
	req.proofSig = sig
	return nil
}

// md2Do performs a verified request against the registry and returns the
// result element's XML ("" for operations without a result).
func (b *Broker) md2Do(ctx context.Context, req *md2Request) (string, error) {
	p := req.params
	if req.op == mfg.OpCreateAppID {
		return b.md2CreateAppID(ctx, req)
	}
	// Who may ask comes before what is asked: an unknown identifier or a
	// foreign certificate is refused without looking at DNS.
	if err := b.md2Authorize(p["appId"], req.cert); err != nil {
		return "", err
	}
	if req.op.NeedsProof() {
		subject := p["uri"]
		if req.op == mfg.OpReserveDomain {
			subject = p["domainName"]
		}
		if err := b.md2Prove(ctx, req, subject, p["appId"]); err != nil {
			return "", err
		}
	}
	var result string
	_, err := b.md2Change(ctx, p["appId"], req.cert, func(o *Organization) error {
		now := b.now()
		switch req.op {
		case mfg.OpUpdateAppIDCertificate:
			o.Current, o.Next = req.newCert.Raw, nil
		case mfg.OpUpdateAppIDProperties:
			// Properties are accepted and not kept: nothing here reads them.
		case mfg.OpAddURI:
			d := normalizeDomain(p["uri"])
			if isNamespaceOf(d, o) || o.hasDomain(d) {
				return nil
			}
			if err := validDomain(d); err != nil {
				return md2Error(mfg.InvalidDomainName, "%v", err)
			}
			o.Domains = append(o.Domains, d)
		case mfg.OpRemoveURI:
			d := normalizeDomain(p["uri"])
			o.Domains = slices.DeleteFunc(o.Domains, func(x string) bool { return x == d })
		case mfg.OpReserveDomain:
			if p["programId"] != mfg.ProgramExchangeConnector {
				return md2Error(mfg.InvalidProgramID, "program %q", p["programId"])
			}
			d := normalizeDomain(p["domainName"])
			for _, other := range b.index.Load().orgs {
				if other.AppID != o.AppID && reservation(&other, d) >= 0 {
					return md2Error(mfg.DomainUnavailable, "%s is reserved by another application identifier", d)
				}
			}
			if !isNamespaceOf(d, o) {
				return md2Error(mfg.NotPermittedForDomain, "%s is not the application identifier's namespace %s", d, o.ApplicationURI)
			}
			if i := reservation(o, d); i < 0 || o.Reserved[i].StateAt(now, b.cfg.DomainStateDelay) == "" {
				o.Reserved = append(slices.DeleteFunc(o.Reserved, func(r Reservation) bool { return r.Domain == d }),
					Reservation{Domain: d, State: mfg.PendingActivation, Since: now})
			}
		case mfg.OpReleaseDomain:
			d := normalizeDomain(p["domainName"])
			i := reservation(o, d)
			if i < 0 || o.Reserved[i].StateAt(now, b.cfg.DomainStateDelay) == "" {
				return md2Error(mfg.DomainNotReserved, "%s is not reserved", d)
			}
			if o.Reserved[i].State != mfg.PendingRelease {
				o.Reserved[i] = Reservation{Domain: d, State: mfg.PendingRelease, Since: now}
			}
		case mfg.OpGetDomainInfo:
			d := normalizeDomain(p["domainName"])
			i := reservation(o, d)
			var st mfg.DomainState
			if i >= 0 {
				st = o.Reserved[i].StateAt(now, b.cfg.DomainStateDelay)
			}
			if st == "" {
				return md2Error(mfg.DomainNotReserved, "%s is not reserved", d)
			}
			result = fmt.Sprintf(`<GetDomainInfoResult><DomainName>%s</DomainName><AppId>%s</AppId><DomainState>%s</DomainState></GetDomainInfoResult>`,
				wssec.Escape(p["domainName"]), wssec.Escape(o.AppID), st)
		}
		return nil
	})
	return result, err
}

// md2CreateAppID binds the signing certificate to a new application
// identifier named by uri, or returns the identifier already bound to it
// (Exchange calls CreateAppId again on every Set-FederatedOrganizationIdentifier).
func (b *Broker) md2CreateAppID(ctx context.Context, req *md2Request) (string, error) {
	uri := strings.TrimSpace(req.params["uri"])
	if uri == "" || strings.ContainsAny(uri, " \t\r\n<>\"/") || !strings.Contains(uri, ".") {
		return "", md2Error(mfg.InvalidURI, "uri %q", uri)
	}
	if err := b.md2Prove(ctx, req, uri, ""); err != nil {
		return "", err
	}
	var appID string
	_, err := b.change(ctx, uri, func(old *Organization) (*Organization, error) {
		if old != nil {
			if !signedBy(old, req.cert) {
				return nil, md2Error(mfg.NotPermittedForDomain, "%s belongs to another application identifier", uri)
			}
			appID = old.AppID
			return old, nil
		}
		for _, o := range b.index.Load().orgs {
			if strings.EqualFold(o.ApplicationURI, uri) {
				return nil, md2Error(mfg.NotPermittedForDomain, "%s belongs to another application identifier", uri)
			}
		}
		id, err := newAppID(b.cfg.Rand)
		if err != nil {
			return nil, err
		}
		appID = id
		return &Organization{ApplicationURI: uri, AppID: id, Current: req.cert.Raw}, nil
	})
	if err != nil {
		return "", md2Refusal(err)
	}
	return `<CreateAppIdResult><AppId>` + wssec.Escape(appID) + `</AppId></CreateAppIdResult>`, nil
}

// md2Authorize checks that appID exists and that cert is registered for it.
func (b *Broker) md2Authorize(appID string, cert *x509.Certificate) error {
	for _, o := range b.index.Load().orgs {
		if appID != "" && o.AppID == appID {
			if !signedBy(&o, cert) {
				return md2Error(mfg.InvalidManagementCertificate, "request not signed with the certificate of application identifier %s", appID)
			}
			return nil
		}
	}
	return md2Error(mfg.InvalidAppID, "no application identifier %q", appID)
}

// md2Change applies edit to the registration with this AppID, which the
// request's certificate must be registered for.
func (b *Broker) md2Change(ctx context.Context, appID string, cert *x509.Certificate, edit func(o *Organization) error) (*Organization, error) {
	var uri string
	for _, o := range b.index.Load().orgs {
		if appID != "" && o.AppID == appID {
			uri = o.ApplicationURI
		}
	}
	if uri == "" {
		return nil, md2Error(mfg.InvalidAppID, "no application identifier %q", appID)
	}
	gone := false
	org, err := b.change(ctx, uri, func(old *Organization) (*Organization, error) {
		if old == nil || old.AppID != appID {
			return nil, md2Error(mfg.InvalidAppID, "no application identifier %q", appID)
		}
		if !signedBy(old, cert) {
			return nil, md2Error(mfg.InvalidManagementCertificate, "request not signed with the certificate of application identifier %s", appID)
		}
		// A registration whose account namespace has been released is
		// forgotten at its next change.
		if b.released(old) {
			gone = true
			return nil, nil
		}
		if err := edit(old); err != nil {
			return nil, err
		}
		if b.released(old) {
			return nil, nil
		}
		return old, nil
	})
	if err == nil && gone {
		err = md2Error(mfg.InvalidAppID, "application identifier %s was released", appID)
	}
	return org, md2Refusal(err)
}

// released reports whether o's account namespace reservation has ended.
func (b *Broker) released(o *Organization) bool {
	i := reservation(o, normalizeDomain(o.ApplicationURI))
	return i >= 0 && o.Reserved[i].State == mfg.PendingRelease && o.Reserved[i].StateAt(b.now(), b.cfg.DomainStateDelay) == ""
}

// md2Refusal maps the registry's errors to DomainErrors.
func md2Refusal(err error) error {
	var e *mfg.Error
	switch {
	case err == nil, errors.As(err, &e):
		return err
	case errors.Is(err, ErrDomainTaken):
		return md2Error(mfg.NotPermittedForDomain, "%v", err)
	case errors.Is(err, ErrInvalid):
		return md2Error(mfg.InvalidParameter, "%v", err)
	}
	return err
}

// md2Prove checks the DomainOwnershipProofHeader for subject: it must name
// subject, its signature must be the signer's over subject without the
// FYDIBOHF25SPDLT prefix, and the proof must be in that domain's DNS (or the
// legacy AppID record), through the broker's DomainVerifier.
func (b *Broker) md2Prove(ctx context.Context, req *md2Request, subject, appID string) error {
	if !strings.EqualFold(strings.TrimSpace(req.proofDomain), strings.TrimSpace(subject)) {
		return md2Error(mfg.ProofOfOwnershipNotValid, "the proof header is for %q, not %q", req.proofDomain, subject)
	}
	d := normalizeDomain(mfg.SigningDomain(subject))
	if err := validDomain(d); err != nil {
		return md2Error(mfg.InvalidDomainName, "%q", d)
	}
	if err := dnsproof.CheckSignature(req.cert, d, req.proofSig); err != nil {
		return md2Error(mfg.ProofOfOwnershipNotValid, "the proof signature for %s was not made by the signing certificate", d)
	}
	o := &Organization{ApplicationURI: subject, AppID: appID, Current: req.cert.Raw}
	var err error
	if sv, ok := b.cfg.Domains.(SignedDomainVerifier); ok {
		err = sv.VerifyDomainSignatures(ctx, d, o, [][]byte{req.proofSig})
	} else {
		err = b.cfg.Domains.VerifyDomain(ctx, d, o)
	}
	if err != nil {
		return &mfg.Error{Code: mfg.ProofOfOwnershipNotValid, Message: fmt.Sprintf("%s: publish the federated domain proof in DNS: %v", d, err)}
	}
	return nil
}

func signedBy(o *Organization, cert *x509.Certificate) bool {
	return bytes.Equal(o.Current, cert.Raw) || (len(o.Next) > 0 && bytes.Equal(o.Next, cert.Raw))
}

func isNamespaceOf(d string, o *Organization) bool { return d == normalizeDomain(o.ApplicationURI) }

func reservation(o *Organization, d string) int {
	return slices.IndexFunc(o.Reserved, func(r Reservation) bool { return r.Domain == d })
}

// validDomain is the registration APIs' check of a domain to federate: a
// domain name of at most dnsproof.MaxFederatedDomainLength characters.
func validDomain(d string) error {
	if d == "" || strings.ContainsAny(d, " @/\\") || !strings.Contains(d, ".") {
		return fmt.Errorf("%w: domain %q", ErrInvalid, d)
	}
	if _, err := dnsproof.FederatedDomain(d); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}
