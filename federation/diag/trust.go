package diag

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/federation/wstrust"
)

// Step IDs of TestFederationTrust, as Test-FederationTrust names its steps.
const (
	StepTrustConfiguration   = "FederationTrustConfiguration"
	StepFederationMetadata   = "FederationMetadata"
	StepStsCertificate       = "StsCertificate"
	StepStsPreviousCert      = "StsPreviousCertificate"
	StepStoredStsCerts       = "StoredStsCertificates"
	StepOrgCertificate       = "OrganizationCertificate"
	StepOrgNextCertificate   = "OrganizationNextCertificate"
	StepOrgPrevCertificate   = "OrganizationPreviousCertificate"
	StepTokenRequest         = "TokenRequest"
	StepTokenValidation      = "TokenValidation"
	testFederationTrustTitle = "Test-FederationTrust"
)

// TestFederationTrust checks the organization's federation trust the way
// Exchange's Test-FederationTrust does: the trust is configured (the first
// step, FederationTrustConfiguration: an application URI, the broker's
// metadata URL, an organization certificate, federated domains, and the
// requester's address in one of them; without it nothing else can run),
// the trust broker's metadata can be
// fetched and read, its signing certificates are valid (and match what the
// configuration stored, if it stored any), the organization certificate is
// present with its private key and not about to expire, and a delegation token
// for the organization itself can be obtained from the broker and validated
// with the organization's own key and the broker's published certificates.
func (c *Checker) TestFederationTrust(ctx context.Context) *Report {
	r := &Report{Test: testFederationTrustTitle, Subject: c.ApplicationURI}
	if !c.checkTrustConfiguration(r) {
		r.skipRest("the federation trust is not configured",
			[2]string{StepFederationMetadata, "Trust broker metadata"},
			[2]string{StepOrgCertificate, "Organization certificate"},
			[2]string{StepTokenRequest, "Delegation token for this organization"},
			[2]string{StepTokenValidation, "Token validation"})
		return r
	}
	now := c.now()
	hc, err := c.httpClient()
	if err != nil {
		r.add(StepFederationMetadata, "Trust broker metadata").fail(err.Error(),
			"the HTTP client could not be built from the configuration", "fix the proxy or TLS settings")
		return r
	}

	md := c.checkMetadata(ctx, r, hc, now)
	c.checkOrgCertificates(r, now)
	if md == nil {
		r.skipRest("the broker's metadata could not be read",
			[2]string{StepTokenRequest, "Delegation token for this organization"},
			[2]string{StepTokenValidation, "Token validation"})
		return r
	}
	c.checkOwnToken(ctx, r, c.brokerClient(hc, md), md)
	return r
}

// checkTrustConfiguration is Test-FederationTrust's first step: the
// properties the trust cannot work without (Exchange checks
// OrgPrivCertificate, TokenIssuerUri, TokenIssuerEpr, ApplicationUri and
// TokenIssuerCertificate, then that the federated organization identifier
// is set and that the test user has an address in a federated domain;
// TestFederationTrust.cs). The broker's issuer, endpoint and certificates
// come from its metadata here, so the metadata URL stands in for them.
func (c *Checker) checkTrustConfiguration(r *Report) bool {
	s := r.add(StepTrustConfiguration, "Federation trust configuration")
	var missing []string
	if c.ApplicationURI == "" {
		missing = append(missing, "ApplicationUri")
	}
	if c.MetadataURL == "" {
		missing = append(missing, "TokenIssuerMetadataEpr")
	}
	if c.Keys == nil || c.Keys.Current().Cert == nil {
		missing = append(missing, "OrgPrivCertificate")
	}
	if len(missing) > 0 {
		s.fail("missing: "+strings.Join(missing, ", "), "the federation trust lacks properties it cannot work without",
			"create the trust with fedadmin trust -broker URL -domain DOMAIN (after fedadmin new-cert)")
		return false
	}
	if len(c.Domains) == 0 {
		s.fail("no federated domain", "the federated organization identifier has no domain (the account namespace is not set)",
			"federate a domain: fedadmin domain-proof DOMAIN, publish it, fedadmin domain add DOMAIN")
		return false
	}
	req := c.requester()
	if d := fedavail.AddressDomain(req); !slices.ContainsFunc(c.Domains, func(x string) bool { return strings.EqualFold(x, d) }) {
		s.fail(fmt.Sprintf("%s is not in a federated domain (%s)", req, strings.Join(c.Domains, ", ")),
			"the test mailbox has no address in a federated domain, so the broker would refuse its token",
			"run the test as a mailbox of one of the federated domains (-from)")
		return false
	}
	s.pass("application URI %s, domains %s, organization certificate %s", c.ApplicationURI, strings.Join(c.Domains, ", "), thumbprint(c.Keys.Current().Cert))
	return true
}

// checkMetadata fetches and reads the broker's metadata and reports on its
// certificates. It returns the parsed metadata, or nil when it is unusable.
func (c *Checker) checkMetadata(ctx context.Context, r *Report, hc *http.Client, now time.Time) *metadata.Metadata {
	s := r.add(StepFederationMetadata, "Trust broker metadata")
	skipCerts := func(why string) {
		r.skipRest(why,
			[2]string{StepStsCertificate, "Broker signing certificate"},
			[2]string{StepStsPreviousCert, "Broker previous signing certificate"},
			[2]string{StepStoredStsCerts, "Stored broker certificates"})
	}
	if c.MetadataURL == "" {
		s.fail("no metadata URL configured", "the configuration does not name the trust broker",
			"set the broker's federation metadata URL in the configuration")
		skipCerts("no metadata")
		return nil
	}
	data, err := fetchMetadata(ctx, hc, c.MetadataURL)
	if err != nil {
		s.explain(reachProblem("the trust broker's metadata", c.MetadataURL, err))
		skipCerts("no metadata")
		return nil
	}
	md, err := metadata.Parse(data, now, c.Logger)
	published := publishedCerts(data)
	switch {
	case errors.Is(err, metadata.ErrNoValidCertificate):
		detail := "no signing certificate is valid now"
		for _, p := range published {
			detail += "; " + p.id + ": " + certSummary(p.cert)
		}
		s.fail(detail, "every token-signing certificate the broker publishes has expired (or is not valid yet)",
			"the broker must publish a current signing certificate; until it does, no partner accepts its tokens")
		skipCerts("no valid certificate")
		return nil
	case err != nil:
		s.fail(err.Error(), "the document at "+c.MetadataURL+" is not 2006-12 WS-Federation metadata, or lacks a required part",
			"check the metadata URL: it must point at the broker's FederationMetadata.xml")
		skipCerts("unreadable metadata")
		return nil
	}
	s.pass("issuer %s, token endpoint %s", md.IssuerURI, md.TokenEndpoint)

	c.checkBrokerCerts(r, md, published, now)
	c.checkStoredBroker(r, md)
	return md
}

// checkBrokerCerts reports the broker's current and previous signing
// certificates, including one the rollover rules dropped.
func (c *Checker) checkBrokerCerts(r *Report, md *metadata.Metadata, published []publishedCert, now time.Time) {
	cur := r.add(StepStsCertificate, "Broker signing certificate")
	c.certValidity(cur, md.Certs[0], now,
		"the broker's signing certificate is about to expire",
		"nothing to do here if the broker publishes its next certificate in time; tell the broker's operator otherwise")

	prev := r.add(StepStsPreviousCert, "Broker previous signing certificate")
	switch {
	case len(md.Certs) > 1:
		prev.pass("%s", certSummary(md.Certs[1]))
	default:
		prev.skip("none published")
		for _, p := range published {
			if !p.cert.Equal(md.Certs[0]) && now.After(p.cert.NotAfter) {
				prev.skip("published but expired, ignored: %s", certSummary(p.cert))
			}
		}
	}
}

// checkStoredBroker compares the broker the configuration recorded with the
// one the metadata describes now.
func (c *Checker) checkStoredBroker(r *Report, md *metadata.Metadata) {
	s := r.add(StepStoredStsCerts, "Stored broker certificates")
	if c.StoredBroker == nil {
		s.skip("the configuration stores no broker certificates; the metadata is read on every start")
		return
	}
	if c.StoredBroker.IssuerURI != "" && c.StoredBroker.IssuerURI != md.IssuerURI {
		s.fail(fmt.Sprintf("stored issuer %s, published issuer %s", c.StoredBroker.IssuerURI, md.IssuerURI),
			"the configuration names another trust broker than the metadata URL serves",
			"check the metadata URL, or refresh the stored trust configuration: fedadmin trust refresh (Exchange: Set-FederationTrust -RefreshMetadata)")
		return
	}
	var missing []string
	for _, want := range md.Certs {
		if !c.StoredBroker.has(want) {
			missing = append(missing, thumbprint(want))
		}
	}
	if len(missing) > 0 {
		s.fail(fmt.Sprintf("published certificate(s) %v are not in the stored configuration", missing),
			"the broker rolled its signing certificate over and the stored copy is out of date: tokens signed with the new certificate will be refused",
			"refresh the stored trust configuration from the broker's metadata: fedadmin trust refresh (Exchange: Set-FederationTrust -RefreshMetadata)")
		return
	}
	s.pass("the stored certificates match the published ones")
}

// checkOrgCertificates reports the organization's current, next and
// previous certificates.
func (c *Checker) checkOrgCertificates(r *Report, now time.Time) {
	s := r.add(StepOrgCertificate, "Organization certificate")
	if c.Keys == nil {
		s.fail("no organization certificate configured", "the configuration has no organization certificate",
			"create one (fedadmin new-cert) and register it with the broker (fedadmin trust)")
		r.skipRest("no organization certificate",
			[2]string{StepOrgNextCertificate, "Organization next certificate"},
			[2]string{StepOrgPrevCertificate, "Organization previous certificate"})
		return
	}
	set := c.Keys.Snapshot()
	if c.checkKey(s, set.Current) && c.checkRequirements(s, set.Current, now) {
		fix := "run fedadmin rollover: it creates the next certificate, registers it with the broker and switches to it"
		if set.Next != nil {
			fix = "a next certificate is installed: run fedadmin rollover to switch to it"
		}
		c.certValidity(s, set.Current.Cert, now, "", fix)
	}

	next := r.add(StepOrgNextCertificate, "Organization next certificate")
	if set.Next == nil {
		next.skip("none installed")
	} else if c.checkKey(next, *set.Next) && c.checkRequirements(next, *set.Next, now) {
		c.certValidity(next, set.Next.Cert, now, "", "create a new next certificate (fedadmin rollover)")
		if next.Status == Pass {
			next.Detail += "; ready: fedadmin rollover switches to it"
		}
	}

	prev := r.add(StepOrgPrevCertificate, "Organization previous certificate")
	if set.Previous == nil {
		prev.skip("none kept")
	} else {
		prev.pass("%s (kept so that tokens encrypted to it still decrypt)", certSummary(set.Previous.Cert))
	}
}

// checkKey reports a pair without a private key, or whose key does not belong
// to its certificate, and returns whether the pair is usable.
func (c *Checker) checkKey(s *Step, p keyring.Pair) bool {
	switch {
	case p.Cert == nil:
		s.fail("no certificate", "the key store holds no certificate for this slot", "restore the certificate file")
		return false
	case p.Key == nil:
		s.fail(certSummary(p.Cert), "the certificate's private key is missing: requests cannot be signed and tokens cannot be decrypted",
			"restore the key file that belongs to this certificate")
		return false
	case !samePublicKey(p.Key.Public(), p.Cert.PublicKey):
		s.fail(certSummary(p.Cert), "the private key does not belong to the certificate",
			"configure the key file that was created with this certificate")
		return false
	}
	return true
}

// checkRequirements fails a certificate that does not meet the federation
// requirements (keyring.Check: RSA 2048, Subject Key Identifier, Client
// Authentication and the key usages); validity is certValidity's.
func (c *Checker) checkRequirements(s *Step, p keyring.Pair, now time.Time) bool {
	_, err := keyring.Check(keyring.Pair{Cert: p.Cert}, keyring.UseOrganization, now)
	var problems []string
	for _, e := range unjoin(err) {
		if !errors.Is(e, keyring.ErrNotCurrent) {
			problems = append(problems, e.Error())
		}
	}
	if len(problems) == 0 {
		return true
	}
	s.fail(certSummary(p.Cert), strings.Join(problems, "; "),
		"replace the certificate with one that meets the requirements (fedadmin rollover, or fedadmin import-cert for a CA-issued one)")
	return false
}

// unjoin returns the errors an errors.Join holds, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// certValidity passes a certificate that is valid for longer than the
// warning period, warns about one that expires within it and fails one that
// is not valid now. cause, if empty, is worded from the days left.
func (c *Checker) certValidity(s *Step, cert *x509.Certificate, now time.Time, cause, fix string) {
	left := cert.NotAfter.Sub(now)
	days := int(left.Hours() / 24)
	summary := certSummary(cert)
	switch {
	case now.Before(cert.NotBefore):
		s.fail(summary, fmt.Sprintf("the certificate is not valid before %s (is this machine's clock right?)",
			cert.NotBefore.UTC().Format(time.RFC3339)), "check the system clock")
	case left <= 0:
		s.fail(summary, fmt.Sprintf("the certificate expired on %s", cert.NotAfter.UTC().Format("2006-01-02")), fix)
	case left < c.expiryWarning():
		if cause == "" {
			cause = fmt.Sprintf("certificate expires in %d days", days)
		} else {
			cause = fmt.Sprintf("%s (in %d days)", cause, days)
		}
		s.warn(summary, cause, fix)
	default:
		s.pass("%s, expires in %d days", summary, days)
	}
}

// checkOwnToken asks the broker for a token addressed to this organization
// and validates it as a partner would, which exercises the whole trust: our
// registration and signature at the broker, the broker's encryption to our
// current certificate, and its signature against the published certificates.
func (c *Checker) checkOwnToken(ctx context.Context, r *Report, broker fedavail.TokenSource, md *metadata.Metadata) {
	s := r.add(StepTokenRequest, "Delegation token for this organization")
	if c.Keys == nil || c.ApplicationURI == "" || c.requester() == "" {
		s.skip("the organization's certificate, application URI or domains are not configured")
		r.skipRest("no token", [2]string{StepTokenValidation, "Token validation"})
		return
	}
	req := fedavail.TokenRequest{Requester: c.requester(), Audience: c.ApplicationURI, Offer: fedavail.OfferFreeBusy}
	tok, err := broker.Token(ctx, req)
	if err != nil {
		s.explain(tokenProblem(md.TokenEndpoint, c.ApplicationURI, err))
		r.skipRest("no token", [2]string{StepTokenValidation, "Token validation"})
		return
	}
	s.pass("issued for %s on behalf of %s, valid until %s", c.ApplicationURI, req.Requester, tok.Expires.UTC().Format(time.RFC3339))

	v := r.add(StepTokenValidation, "Token validation")
	val, err := token.NewValidator(token.ValidatorConfig{
		ApplicationURI: c.ApplicationURI, Keys: c.Keys, Trust: md, Now: c.Now, CacheSize: -1,
	})
	if err == nil {
		_, err = val.Validate(ctx, tok.EncryptedData, fedavail.OfferFreeBusy)
	}
	if err != nil {
		v.explain(validationProblem(err))
		return
	}
	v.pass("decrypted with the organization key and signed by %s", md.IssuerURI)
}

// brokerClient is the WS-Trust client for the broker the metadata describes.
func (c *Checker) brokerClient(hc *http.Client, md *metadata.Metadata) *wstrust.Client {
	return &wstrust.Client{
		HTTPClient:     hc,
		Endpoint:       md.TokenEndpoint,
		IssuerURI:      md.IssuerURI,
		ApplicationURI: c.ApplicationURI,
		Keys:           c.Keys,
		MaxAttempts:    1,
		Now:            c.Now,
		Logger:         c.Logger,
	}
}

func thumbprint(c *x509.Certificate) string { return dnsproof.Thumbprint(c) }

// samePublicKey reports whether a key (possibly a crypto.Signer in an HSM)
// is the certificate's.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
