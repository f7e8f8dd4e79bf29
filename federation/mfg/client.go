package mfg

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/wssec"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Namespace is the service namespace of ManageDelegation2 (WSDL binding
// ManageDelegation2Soap): every element of the body and of the
// DomainOwnershipProofHeader is in it.
const Namespace = "http://domains.live.com/Service/ManageDelegation2/V1.0"

// Path is the endpoint's path, as Exchange's proxy names it and as the
// embedded trust broker serves it.
const Path = "/service/ManageDelegation2.asmx"

// MicrosoftURL is the publicly documented endpoint of the Microsoft
// Federation Gateway's ManageDelegation2 service (community sources; not in
// Exchange's source, which reads it from the DomainPartnerManageDelegation2
// service endpoint object Exchange setup writes). fedavail never uses it by
// itself: a caller must put it into [Client].URL explicitly.
const MicrosoftURL = "https://domains.live.com/service/managedelegation2.asmx"

// ProgramExchangeConnector is the programId Exchange passes to ReserveDomain.
const ProgramExchangeConnector = "ExchangeConnector"

// HashAlgorithm is the DomainOwnershipProofHeader's HashAlgorithm: the
// gateway hashes the presented signature with it to find the TXT proof.
const HashAlgorithm = "SHA-512"

// Operation names a ManageDelegation2 operation; its SOAPAction is
// Namespace + "/" + the operation.
type Operation string

// The eight operations (../shared/protocol.md §8.2).
const (
	OpCreateAppID            Operation = "CreateAppId"
	OpUpdateAppIDCertificate Operation = "UpdateAppIdCertificate"
	OpUpdateAppIDProperties  Operation = "UpdateAppIdProperties"
	OpAddURI                 Operation = "AddUri"
	OpRemoveURI              Operation = "RemoveUri"
	OpReserveDomain          Operation = "ReserveDomain"
	OpReleaseDomain          Operation = "ReleaseDomain"
	OpGetDomainInfo          Operation = "GetDomainInfo"
)

// Action returns the operation's SOAPAction URI.
func (op Operation) Action() string { return Namespace + "/" + string(op) }

// NeedsProof reports whether the operation carries the
// DomainOwnershipProofHeader: CreateAppId, AddUri and ReserveDomain.
func (op Operation) NeedsProof() bool {
	return op == OpCreateAppID || op == OpAddURI || op == OpReserveDomain
}

// Property is a name/value pair of an application identifier.
type Property struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

// DomainState is a reserved domain's state at the gateway.
type DomainState string

// Domain states.
const (
	PendingActivation DomainState = "PendingActivation"
	Active            DomainState = "Active"
	PendingRelease    DomainState = "PendingRelease"
)

// DomainInfo is GetDomainInfo's answer.
type DomainInfo struct {
	DomainName  string      `xml:"DomainName"`
	AppID       string      `xml:"AppId"`
	DomainState DomainState `xml:"DomainState"`
}

// Timing of Exchange's client (§8.1).
const (
	timestampLifetime = 5 * time.Minute
	maxRedirects      = 3
	defaultRetryWait  = 5 * time.Second
	defaultRetryFor   = 30 * time.Second
)

// Client calls a ManageDelegation2 service as Exchange's provisioning does:
// SOAP 1.1, every request signed with the organization's current key over a
// fresh wsu:Timestamp only, the whole certificate in KeyInfo, mustUnderstand
// never written; CreateAppId, AddUri and ReserveDomain also carry the
// DomainOwnershipProofHeader. Redirects (302 to an absolute https URL, at
// most three) are followed by posting again; 403 is retried after a pause
// for up to 30 seconds from the first attempt; every other failure is final.
type Client struct {
	// URL is the service endpoint, e.g. "https://broker.example.org" + [Path].
	// Required; fedavail has no default (see [MicrosoftURL]).
	URL string
	// HTTPClient sends the requests; its redirect policy is not used.
	// Required: fedavail never falls back to http.DefaultClient.
	HTTPClient *http.Client
	// Keys holds the organization certificate: the current pair signs every
	// request, including UpdateAppIdCertificate. Required.
	Keys *keyring.Ring
	// Limits bound the answers; zero fields take fedavail's defaults.
	Limits fedavail.Limits
	// RetryWait is the pause before retrying a 403; zero means 5 seconds.
	RetryWait time.Duration
	// RetryFor is how long after the first attempt a 403 is retried; zero
	// means 30 seconds.
	RetryFor time.Duration
	// Now is the clock of the Timestamp; nil means time.Now.
	Now func() time.Time
	// Logger gets one debug line per call (operation, URL, status); never
	// bodies, signatures or keys. Nil discards.
	Logger *slog.Logger

	mu   sync.Mutex
	last time.Time // Created of the last request
}

// CreateAppID calls CreateAppId (§8.2, §8.5 step 1): it binds the signing
// certificate to a new application identifier named by uri (Exchange passes
// the account namespace "FYDIBOHF25SPDLT.<domain>") and returns the
// identifier. The proof header names uri and signs it without the
// FYDIBOHF25SPDLT prefix; Exchange sends no properties.
func (c *Client) CreateAppID(ctx context.Context, uri string, properties ...Property) (string, error) {
	var out struct {
		Result struct {
			AppID string `xml:"AppId"`
		} `xml:"CreateAppIdResult"`
	}
	body := params(OpCreateAppID, "uri", uri) + propertiesXML(properties)
	if err := c.call(ctx, OpCreateAppID, uri, body, &out); err != nil {
		return "", err
	}
	id := strings.TrimSpace(out.Result.AppID)
	if id == "" {
		return "", &fedavail.XMLError{Context: "CreateAppIdResult", Err: errors.New("no AppId")}
	}
	return id, nil
}

// UpdateAppIDCertificate calls UpdateAppIdCertificate (§8.2, §8.5
// rollover step 2): the application identifier's certificate becomes cert.
// The request is signed with the current certificate, the one being
// replaced; call it before making cert current locally.
func (c *Client) UpdateAppIDCertificate(ctx context.Context, appID string, cert *x509.Certificate) error {
	if cert == nil {
		return errors.New("mfg: UpdateAppIdCertificate without a certificate")
	}
	body := params(OpUpdateAppIDCertificate, "appId", appID, "newCertificate", base64.StdEncoding.EncodeToString(cert.Raw))
	return c.call(ctx, OpUpdateAppIDCertificate, "", body, nil)
}

// UpdateAppIDProperties calls UpdateAppIdProperties (§8.2; Exchange never
// calls it).
func (c *Client) UpdateAppIDProperties(ctx context.Context, appID string, properties []Property) error {
	body := params(OpUpdateAppIDProperties, "appId", appID) + propertiesXML(properties)
	return c.call(ctx, OpUpdateAppIDProperties, "", body, nil)
}

// AddURI calls AddUri (§8.2, §8.5): federates the domain uri under the
// application identifier. The proof header names and signs uri.
func (c *Client) AddURI(ctx context.Context, appID, uri string) error {
	return c.call(ctx, OpAddURI, uri, params(OpAddURI, "appId", appID, "uri", uri), nil)
}

// RemoveURI calls RemoveUri (§8.2, §8.5): stops federating uri.
func (c *Client) RemoveURI(ctx context.Context, appID, uri string) error {
	return c.call(ctx, OpRemoveURI, "", params(OpRemoveURI, "appId", appID, "uri", uri), nil)
}

// ReserveDomain calls ReserveDomain (§8.2, §8.5 step 2) for the account
// namespace domain; programID "" means [ProgramExchangeConnector]. The
// proof header names domain and signs it without the FYDIBOHF25SPDLT prefix.
func (c *Client) ReserveDomain(ctx context.Context, appID, domain, programID string) error {
	if programID == "" {
		programID = ProgramExchangeConnector
	}
	return c.call(ctx, OpReserveDomain, domain, params(OpReserveDomain, "appId", appID, "domainName", domain, "programId", programID), nil)
}

// ReleaseDomain calls ReleaseDomain (§8.2, §8.5 removal).
func (c *Client) ReleaseDomain(ctx context.Context, appID, domain string) error {
	return c.call(ctx, OpReleaseDomain, "", params(OpReleaseDomain, "appId", appID, "domainName", domain), nil)
}

// GetDomainInfo calls GetDomainInfo (§8.2, §8.5 step 3): the reserved
// domain's state.
func (c *Client) GetDomainInfo(ctx context.Context, appID, domain string) (*DomainInfo, error) {
	var out struct {
		Result *DomainInfo `xml:"GetDomainInfoResult"`
	}
	if err := c.call(ctx, OpGetDomainInfo, "", params(OpGetDomainInfo, "appId", appID, "domainName", domain), &out); err != nil {
		return nil, err
	}
	if out.Result == nil {
		return nil, &fedavail.XMLError{Context: "GetDomainInfoResponse", Err: errors.New("no GetDomainInfoResult")}
	}
	r := *out.Result
	r.DomainName, r.AppID = strings.TrimSpace(r.DomainName), strings.TrimSpace(r.AppID)
	r.DomainState = DomainState(strings.TrimSpace(string(r.DomainState)))
	return &r, nil
}

// params renders the operation's wrapper element's opening tag and its
// parameters (name, value pairs), qualified in the service namespace.
func params(op Operation, kv ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<md:%s xmlns:md="%s">`, op, Namespace)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, `<md:%s>%s</md:%s>`, kv[i], wssec.Escape(kv[i+1]), kv[i])
	}
	return b.String()
}

// propertiesXML renders the properties array (empty but present when there
// are none, as ASMX writes an empty array).
func propertiesXML(ps []Property) string {
	if len(ps) == 0 {
		return `<md:properties/>`
	}
	var b strings.Builder
	b.WriteString(`<md:properties>`)
	for _, p := range ps {
		fmt.Fprintf(&b, `<md:Property><md:Name>%s</md:Name><md:Value>%s</md:Value></md:Property>`, wssec.Escape(p.Name), wssec.Escape(p.Value))
	}
	b.WriteString(`</md:properties>`)
	return b.String()
}

// SigningDomain is the domain a DomainOwnershipProofHeader's signature
// covers: domain without a leading "FYDIBOHF25SPDLT." (§8.3).
func SigningDomain(domain string) string {
	d := strings.TrimSpace(domain)
	if len(d) > len(dnsproof.AccountNamespacePrefix) && strings.EqualFold(d[:len(dnsproof.AccountNamespacePrefix)+1], dnsproof.AccountNamespacePrefix+".") {
		return d[len(dnsproof.AccountNamespacePrefix)+1:]
	}
	return d
}

// request is one signed envelope, with the proof it presents.
type request struct {
	env        *soap.Envelope
	proofOf    string // signing domain, "" without a proof header
	proofValue string // base64(SHA-512(signature)), the TXT value
}

// build renders the envelope for op at url: the proof header (if
// proofDomain is set), WS-Addressing Action, To and ReplyTo, and the
// Security header with the signed Timestamp, in this order (§8.3).
func (c *Client) build(op Operation, proofDomain, body, to string, now time.Time) (*request, error) {
	if c.Keys == nil {
		return nil, errors.New("mfg: Client without Keys")
	}
	pair := c.Keys.Current()
	if pair.Key == nil || pair.Cert == nil {
		return nil, errors.New("mfg: the key ring has no current certificate with a private key")
	}
	r := &request{env: &soap.Envelope{Version: soap.V11}}
	if op.NeedsProof() {
		r.proofOf = strings.ToLower(SigningDomain(proofDomain))
		sig, err := dnsproof.Sign(pair.Key, r.proofOf)
		if err != nil {
			return nil, err
		}
		r.proofValue = dnsproof.ProofFromSignature(sig)
		r.env.Headers = append(r.env.Headers, soap.RawXML(fmt.Sprintf(
			`<md:DomainOwnershipProofHeader xmlns:md="%s"><md:Domain>%s</md:Domain><md:HashAlgorithm>%s</md:HashAlgorithm><md:Signature>%s</md:Signature></md:DomainOwnershipProofHeader>`,
			Namespace, wssec.Escape(proofDomain), HashAlgorithm, base64.StdEncoding.EncodeToString(sig))))
	}
	ts := wssec.Timestamp("_0", now, now.Add(timestampLifetime), wssec.TimeFormatSec)
	sig, err := (&wssec.Signer{Key: pair.Key, Certificate: pair.Cert}).Sign([]wssec.Reference{{ID: "_0", Element: ts}})
	if err != nil {
		return nil, err
	}
	var sec bytes.Buffer
	fmt.Fprintf(&sec, `<o:Security xmlns:o="%s">`, ns.WSSE)
	sec.Write(ts)
	sec.Write(sig)
	sec.WriteString(`</o:Security>`)
	r.env.Headers = append(r.env.Headers,
		soap.RawXML(fmt.Sprintf(`<a:Action xmlns:a="%s">%s</a:Action>`, ns.WSA, op.Action())),
		soap.RawXML(fmt.Sprintf(`<a:To xmlns:a="%s">%s</a:To>`, ns.WSA, wssec.Escape(to))),
		soap.RawXML(fmt.Sprintf(`<a:ReplyTo xmlns:a="%s"><a:Address>%s</a:Address></a:ReplyTo>`, ns.WSA, ns.WSAAnon)),
		soap.RawXML(sec.Bytes()))
	r.env.Body = soap.RawXML(body + fmt.Sprintf(`</md:%s>`, op))
	return r, nil
}

// created returns the Created of the next request: now in whole seconds,
// later than every Created before.
func (c *Client) created() time.Time {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	t := now().UTC().Truncate(time.Second)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.After(c.last) {
		t = c.last.Add(time.Second)
	}
	c.last = t
	return t
}

// call posts op and decodes the answer into out (nil for empty answers),
// following redirects and retrying 403 as Exchange does.
func (c *Client) call(ctx context.Context, op Operation, proofDomain, body string, out any) error {
	if c.URL == "" {
		return errors.New("mfg: Client without URL")
	}
	wait, window := c.RetryWait, c.RetryFor
	if wait <= 0 {
		wait = defaultRetryWait
	}
	if window <= 0 {
		window = defaultRetryFor
	}
	caller := &soap.Caller{HTTPClient: c.HTTPClient, Limits: xmlguard.Limits(c.Limits), Logger: c.Logger}
	deadline := time.Now().Add(window)
	target, redirects := c.URL, 0
	for {
		// A fresh Timestamp per attempt. Exchange signs one per client
		// object and reuses it; a fresh one is never stale and never makes
		// two different requests share a signature.
		req, err := c.build(op, proofDomain, body, target, c.created())
		if err != nil {
			return err
		}
		_, err = caller.Do(ctx, &soap.Call{URL: target, Action: op.Action(), Envelope: req.env, Response: out, ResponseName: xml.Name{Space: Namespace, Local: string(op) + "Response"}})
		var he *fedavail.HTTPError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &he) && he.StatusCode == http.StatusFound && time.Now().Before(deadline):
			redirects++
			loc, ok := redirectTarget(he.Header.Get("Location"))
			if !ok || redirects > maxRedirects {
				return err
			}
			target = loc
		case errors.As(err, &he) && he.StatusCode == http.StatusForbidden && time.Now().Add(wait).Before(deadline):
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		default:
			return answerError(err, req)
		}
	}
}

// redirectTarget accepts a Location only when it is an absolute https URL.
func redirectTarget(loc string) (string, bool) {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", false
	}
	return loc, true
}

// answerError turns a fault with a DomainError into an *Error; for
// ProofOfOwnershipNotValid it names the TXT record the request's proof
// needs.
func answerError(err error, req *request) error {
	var f *fedavail.Fault
	if !errors.As(err, &f) {
		return err
	}
	e := FaultError(f)
	if e == nil {
		return err
	}
	if e.Code == ProofOfOwnershipNotValid && req != nil && req.proofOf != "" {
		e.Domain = req.proofOf
		e.Record, _ = dnsproof.ZoneLine(req.proofOf, req.proofValue, 0)
		if e.Record == "" {
			e.Record = req.proofOf + " IN TXT " + req.proofValue
		}
	}
	return e
}
