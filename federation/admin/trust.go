package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/federation/mfg"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// TrustConfig is the federation trust as Trust stored it: how to reach the
// trust broker and how the broker knows this organization. Its field names
// follow Get-FederationTrust and Get-FederatedOrganizationIdentifier.
type TrustConfig struct {
	// BrokerURL is the broker's base URL; the registration API is below it.
	BrokerURL string `json:"broker_url"`
	// TokenIssuerMetadataEpr is the broker's federation metadata URL.
	TokenIssuerMetadataEpr string `json:"token_issuer_metadata_epr"`
	// TokenIssuerURI is the broker's issuer URI, the Issuer of its tokens.
	TokenIssuerURI string `json:"token_issuer_uri"`
	// TokenIssuerEpr is the broker's WS-Trust token endpoint.
	TokenIssuerEpr string `json:"token_issuer_epr"`
	// TokenIssuerCertificate is the thumbprint of the broker's signing
	// certificate when the trust was made or last refreshed.
	TokenIssuerCertificate string `json:"token_issuer_certificate"`
	// TokenIssuerPrevCertificate is the thumbprint of the broker's previous
	// signing certificate, if its metadata still published one then.
	TokenIssuerPrevCertificate string `json:"token_issuer_prev_certificate,omitempty"`
	// ApplicationURI is how the broker knows this organization,
	// "FYDIBOHF25SPDLT.<first domain>": the audience of tokens for it and
	// the TargetApplicationUri partners write into their relationship.
	ApplicationURI string `json:"application_uri"`
	// AccountNamespace is the federated organization identifier; equal to
	// ApplicationURI.
	AccountNamespace string `json:"account_namespace"`
	// ApplicationIdentifier is the AppID the broker assigned.
	ApplicationIdentifier string `json:"application_identifier"`
	// Domains are the federated domains, the account namespace's first.
	Domains []string `json:"domains"`
	// Protocol is the registration protocol; empty for the fedavail
	// broker's own API.
	Protocol Protocol `json:"registration_protocol,omitempty"`
	// RegistrationEpr is the registration endpoint when it is not derived
	// from BrokerURL (always set for ManageDelegation2).
	RegistrationEpr string `json:"registration_epr,omitempty"`
	// GatewayCertificate is, for ManageDelegation2, the thumbprint of the
	// certificate the gateway holds: requests are signed with it, and a
	// rollover's publishing step replaces it (UpdateAppIdCertificate).
	GatewayCertificate string `json:"gateway_certificate,omitempty"`
	// Disabled is Set-FederatedOrganizationIdentifier -Enabled $false: the
	// organization asks partners nothing (no delegation tokens), the trust,
	// domains and relationships stay. See [Org.SetEnabled].
	Disabled bool `json:"disabled,omitempty"`
}

// TrustOptions say which broker to trust and the first federated domain.
type TrustOptions struct {
	// BrokerURL is a fedavail trust broker's base URL (https://…): its
	// metadata is at BrokerURL+broker.MetadataPath, its registration API at
	// BrokerURL+broker.RegistrationPath, or BrokerURL+mfg.Path for
	// ManageDelegation2. Optional when MetadataURL and RegistrationURL are
	// given.
	BrokerURL string
	// Protocol selects the registration protocol: the fedavail broker's own
	// API (the zero value) or ManageDelegation2, which both the fedavail
	// broker and the Microsoft Federation Gateway speak.
	Protocol Protocol
	// MetadataURL and RegistrationURL are the gateway's federation
	// metadata and registration endpoint, when not derived from BrokerURL
	// ([MicrosoftMetadataURL] and [MicrosoftRegistrationURL] for
	// Microsoft's gateway; nothing uses them by default).
	MetadataURL, RegistrationURL string
	// Domain is the first federated domain; it names the account namespace
	// FYDIBOHF25SPDLT.<Domain>. Its proof must be in DNS ([Org.DomainProof]).
	Domain string
}

// MicrosoftGatewayNote is said wherever a trust is made: what has and has
// not been verified about registering with Microsoft's own gateway.
const MicrosoftGatewayNote = "registration with the Microsoft Federation Gateway (-microsoft) follows Exchange's ManageDelegation2 client but has not been tried against Microsoft's live service; a fedavail trust broker speaks both protocols"

// Trust makes the federation trust, as New-FederationTrust followed by
// Set-FederatedOrganizationIdentifier -AccountNamespace: it reads the
// broker's federation metadata, checks that the first domain's proof is in
// DNS, registers the organization's certificate(s) and the domain through
// the broker's signed registration API, and stores the result. Re-running
// it after a crash finds the registration and stores it.
func (o *Org) Trust(ctx context.Context, opts TrustOptions) (*TrustConfig, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.ready(false)
	if err != nil {
		return nil, err
	}
	if s.Trust != nil {
		return nil, fail(ErrAlreadyTrusted, nil, fmt.Sprintf("%s already trusts %s as %s", o.dir, s.Trust.BrokerURL, s.Trust.ApplicationURI),
			"run trust show to see it, or defederate first to trust another broker")
	}
	domain, err := o.federatedArg(opts.Domain)
	if err != nil {
		return nil, err
	}
	appURI, _ := dnsproof.ApplicationURI(domain) // domain is valid
	tc, err := trustEndpoints(opts)
	if err != nil {
		return nil, err
	}
	tc.ApplicationURI, tc.AccountNamespace, tc.Domains = appURI, appURI, []string{domain}
	md, err := o.fetchMetadata(ctx, tc.TokenIssuerMetadataEpr)
	if err != nil {
		return nil, err
	}
	tc.TokenIssuerURI, tc.TokenIssuerEpr = md.IssuerURI, md.TokenEndpoint
	tc.TokenIssuerCertificate = dnsproof.Thumbprint(md.Certs[0])
	if len(md.Certs) > 1 {
		tc.TokenIssuerPrevCertificate = dnsproof.Thumbprint(md.Certs[1])
	}
	set := o.ring.Snapshot()
	if err := o.checkProof(ctx, domain, set.All(), ""); err != nil {
		return nil, err
	}
	rc := o.regClient(tc)
	reg := registration(set, appURI, tc.Domains)
	org, err := rc.Register(ctx, reg)
	if errors.Is(err, broker.ErrExists) && !isGateway(tc.Protocol) {
		// Registered before a crash, or by someone else: an update succeeds
		// only when signed with a certificate of that registration.
		org, err = rc.Update(ctx, reg)
	}
	if err != nil {
		return nil, o.brokerErr(err, tc)
	}
	tc.ApplicationIdentifier = org.AppID
	s.Trust = tc
	if err := o.saveState(s); err != nil {
		return nil, err
	}
	o.log.InfoContext(ctx, "admin: federation trust created", "broker", tc.endpoint(), "protocol", string(tc.Protocol), "application_uri", appURI, "app_id", org.AppID)
	c := *tc
	return &c, nil
}

// TrustConfig returns the stored trust, or ErrNotTrusted.
func (o *Org) TrustConfig() (*TrustConfig, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.loadState()
	if err != nil {
		return nil, err
	}
	if s.Trust == nil {
		return nil, errNotTrusted(o.dir)
	}
	c := *s.Trust
	c.Domains = append([]string(nil), s.Trust.Domains...)
	return &c, nil
}

func errNotTrusted(dir string) *Error {
	return fail(ErrNotTrusted, nil, fmt.Sprintf("%s has no federation trust", dir), "run trust -broker URL -domain DOMAIN first")
}

// ready loads the state and checks that an operation may run: a
// certificate exists, no de-federation is pending, and (if needTrust) a
// trust exists. The caller holds o.mu.
func (o *Org) ready(needTrust bool) (*state, error) {
	s, err := o.loadState()
	if err != nil {
		return nil, err
	}
	switch {
	case s.Defederating:
		return nil, fail(ErrDefederating, nil, "a de-federation was started and not finished", "run defederate again to finish it")
	case s.Current == "" || o.ring == nil:
		return nil, fail(ErrNoCertificate, nil, fmt.Sprintf("%s has no organization certificate", o.dir), "run new-cert first")
	case needTrust && s.Trust == nil:
		return nil, errNotTrusted(o.dir)
	}
	return s, nil
}

// domainArg validates a domain given by the administrator.
func (o *Org) domainArg(d string) (string, error) {
	n, err := dnsproof.ValidateDomain(d)
	if err != nil {
		return "", fail(ErrUnknownDomain, err, fmt.Sprintf("%q is not a domain name", d), "give an SMTP domain such as contoso.com")
	}
	return n, nil
}

// federatedArg validates a domain the administrator wants to federate:
// a domain name of at most 32 characters (dnsproof.FederatedDomain).
func (o *Org) federatedArg(d string) (string, error) {
	n, err := o.domainArg(d)
	if err != nil {
		return "", err
	}
	if _, err := dnsproof.FederatedDomain(n); err != nil {
		return "", failQuiet(ErrInvalid, err, fmt.Sprintf("%s has %d characters; federated domains are limited to %d", n, len(n), dnsproof.MaxFederatedDomainLength),
			"federate a shorter accepted domain (the first one also names the account namespace)")
	}
	return n, nil
}

func (o *Org) fetchMetadata(ctx context.Context, u string) (*metadata.Metadata, error) {
	if o.opts.HTTPClient == nil {
		return nil, fail(ErrInvalid, nil, "no HTTP client configured", "set Options.HTTPClient")
	}
	unreachable := func(err error) error {
		return fail(ErrBrokerUnreachable, err, fmt.Sprintf("cannot read the trust broker's metadata at %s", u),
			"check the broker URL and that the broker is running and reachable, then retry")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, unreachable(err)
	}
	resp, err := o.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, unreachable(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, unreachable(fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	data, err := xmlguard.ReadAll(resp.Body, xmlguard.Limits{MaxBytes: 1 << 20})
	if err != nil {
		return nil, unreachable(err)
	}
	md, err := metadata.Parse(data, o.now(), o.log)
	if err != nil {
		return nil, fail(ErrBrokerUnreachable, err, fmt.Sprintf("%s is not usable federation metadata", u), "check that the URL is a fedavail trust broker's")
	}
	return md, nil
}

// regClient returns the registrar the trust was made with; a
// ManageDelegation2 registrar records what it changes in tc.
func (o *Org) regClient(tc *TrustConfig) Registrar {
	if isGateway(tc.Protocol) {
		return &gatewayRegistrar{tc: tc, ring: o.ring, opts: o.opts}
	}
	base := tc.BrokerURL
	if tc.RegistrationEpr != "" {
		base = strings.TrimSuffix(tc.RegistrationEpr, broker.RegistrationPath)
	}
	return &broker.RegistrationClient{HTTPClient: o.opts.HTTPClient, BaseURL: base, Keys: o.ring, Now: o.opts.Now}
}

// trustEndpoints checks the URLs of opts and returns a trust holding them.
func trustEndpoints(opts TrustOptions) (*TrustConfig, error) {
	tc := &TrustConfig{Protocol: opts.Protocol}
	switch {
	case opts.Protocol != ProtocolFedavail && !isGateway(opts.Protocol):
		return nil, fail(ErrInvalid, nil, fmt.Sprintf("unknown registration protocol %q", opts.Protocol), "use ManageDelegation2, or nothing for the fedavail broker's API")
	case isGateway(opts.Protocol):
		tc.Protocol = ProtocolManageDelegation2
	}
	bad := func(what, u string) error {
		return fail(ErrInvalid, nil, fmt.Sprintf("%s %q is not an https:// URL", what, u), "give the trust broker's base URL, e.g. https://broker.example.org, or its metadata and registration URLs")
	}
	if opts.BrokerURL != "" {
		base := strings.TrimSuffix(strings.TrimSpace(opts.BrokerURL), "/")
		if !isHTTPS(base) {
			return nil, bad("broker URL", opts.BrokerURL)
		}
		tc.BrokerURL, tc.TokenIssuerMetadataEpr = base, base+broker.MetadataPath
		if tc.Protocol == ProtocolManageDelegation2 {
			tc.RegistrationEpr = base + mfg.Path
		}
	}
	if opts.MetadataURL != "" {
		if !isHTTPS(opts.MetadataURL) {
			return nil, bad("metadata URL", opts.MetadataURL)
		}
		tc.TokenIssuerMetadataEpr = strings.TrimSpace(opts.MetadataURL)
	}
	if opts.RegistrationURL != "" {
		if !isHTTPS(opts.RegistrationURL) {
			return nil, bad("registration URL", opts.RegistrationURL)
		}
		tc.RegistrationEpr = strings.TrimSpace(opts.RegistrationURL)
		if tc.Protocol == ProtocolFedavail && !strings.HasSuffix(tc.RegistrationEpr, broker.RegistrationPath) {
			return nil, fail(ErrInvalid, nil, fmt.Sprintf("registration URL %q does not end in %s", tc.RegistrationEpr, broker.RegistrationPath), "give the fedavail broker's base URL instead")
		}
	}
	if tc.TokenIssuerMetadataEpr == "" || (tc.BrokerURL == "" && tc.RegistrationEpr == "") {
		return nil, bad("broker URL", opts.BrokerURL)
	}
	return tc, nil
}

func isHTTPS(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// brokerErr turns a registration API failure into advice.
func (o *Org) brokerErr(err error, tc *TrustConfig) error {
	if ge := o.gatewayErr(err, tc); ge != nil {
		return ge
	}
	var re *fedavail.HTTPError
	if !errors.As(err, &re) && errors.Is(err, broker.ErrNotPermitted) {
		return fail(ErrWrongKey, err, "the key ring no longer holds the certificate the gateway knows", "restore it from a backup")
	}
	if !errors.As(err, &re) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fail(ErrBrokerUnreachable, err, fmt.Sprintf("the trust broker at %s did not answer in time", tc.endpoint()), "retry")
		}
		return fail(ErrBrokerUnreachable, err, fmt.Sprintf("cannot reach the trust broker at %s", tc.endpoint()),
			"check that the broker is running and reachable, then retry")
	}
	thumb := dnsproof.Thumbprint(o.ring.Current().Cert)
	switch {
	case errors.Is(err, broker.ErrNotPermitted):
		return fail(ErrWrongKey, err, fmt.Sprintf("the trust broker refused a request signed with certificate %s", thumb),
			fmt.Sprintf("the broker knows %s by another certificate: restore the certificate you registered with (or ask the broker's operator)", tc.ApplicationURI))
	case errors.Is(err, broker.ErrDomainNotProven):
		return fail(ErrProofMissing, err, "the trust broker did not find the domain proof in DNS",
			"publish the TXT records domain-proof prints and retry (DNS changes can take time)")
	case errors.Is(err, broker.ErrDomainTaken):
		return fail(ErrRefused, err, "the domain is federated by another organization at this broker", "remove it there first, or ask the broker's operator")
	case errors.Is(err, broker.ErrNotFound):
		return fail(ErrRefused, err, fmt.Sprintf("the trust broker has no registration for %s", tc.ApplicationURI), "run defederate to clear the local trust, then trust again")
	}
	return fail(ErrRefused, err, "the trust broker refused the request", "fix what the broker says and retry")
}
