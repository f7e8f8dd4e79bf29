package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/mfg"
)

// Protocol is the registration protocol a trust broker speaks.
type Protocol string

// Registration protocols.
const (
	// ProtocolFedavail is the fedavail broker's signed JSON API
	// (broker.RegistrationClient). The zero value.
	ProtocolFedavail Protocol = ""
	// ProtocolManageDelegation2 is the Microsoft Federation Gateway's
	// ManageDelegation2 (package mfg), which the fedavail broker serves too.
	ProtocolManageDelegation2 Protocol = "ManageDelegation2"
)

// Microsoft's published endpoints, documented defaults for administrators
// who federate with the Microsoft Federation Gateway itself. fedavail never
// uses them unless told to (fedadmin trust -microsoft); registering with
// Microsoft's live service has not been tried from this project.
const (
	// MicrosoftMetadataURL is the gateway's federation metadata
	// (TokenIssuerMetadataEpr of an Exchange federation trust).
	MicrosoftMetadataURL = "https://nexus.microsoftonline-p.com/FederationMetadata/2006-12/FederationMetadata.xml"
	// MicrosoftRegistrationURL is the gateway's ManageDelegation2 endpoint.
	MicrosoftRegistrationURL = mfg.MicrosoftURL
)

// Exchange's polling of GetDomainInfo (../shared/protocol.md §8.5).
const (
	gatewayPollInterval = 5 * time.Second
	gatewayPollFor      = 60 * time.Second
)

// gatewayRegistrar is a [Registrar] speaking ManageDelegation2 in the order
// of Exchange's cmdlets (§8.5). The gateway keeps no registration a client
// could read back, so the registrar works from the trust it was made for:
// the domains already federated and the certificate the gateway holds
// (tc.GatewayCertificate), which it updates in tc for the caller to save.
type gatewayRegistrar struct {
	tc   *TrustConfig
	ring *keyring.Ring
	opts Options
}

var _ Registrar = (*gatewayRegistrar)(nil)

// client returns an mfg.Client signing with the pair of the certificate
// the gateway holds, and that pair.
func (g *gatewayRegistrar) client() (*mfg.Client, keyring.Pair, error) {
	pair, err := g.signer()
	if err != nil {
		return nil, pair, err
	}
	r, err := keyring.New(pair)
	if err != nil {
		return nil, pair, err
	}
	return &mfg.Client{URL: g.tc.RegistrationEpr, HTTPClient: g.opts.HTTPClient, Keys: r, Now: g.opts.Now, Logger: g.opts.Logger}, pair, nil
}

// signer returns the pair of the certificate the gateway holds: requests
// are signed with it until UpdateAppIdCertificate replaced it.
func (g *gatewayRegistrar) signer() (keyring.Pair, error) {
	for _, p := range g.ring.Snapshot().All() {
		if g.tc.GatewayCertificate == "" || dnsproof.Thumbprint(p.Cert) == g.tc.GatewayCertificate {
			return p, nil
		}
	}
	return keyring.Pair{}, fmt.Errorf("%w: the gateway holds certificate %s, which is no longer in the key ring", broker.ErrNotPermitted, g.tc.GatewayCertificate)
}

// Register is Set-FederatedOrganizationIdentifier: CreateAppId for the
// account namespace, ReserveDomain, GetDomainInfo while PendingActivation,
// then AddUri for each domain.
func (g *gatewayRegistrar) Register(ctx context.Context, reg broker.Registration) (*broker.Organization, error) {
	c, pair, err := g.client()
	if err != nil {
		return nil, err
	}
	appID, err := c.CreateAppID(ctx, reg.ApplicationURI)
	if err != nil {
		return nil, err
	}
	if g.tc.ApplicationIdentifier == "" {
		g.tc.ApplicationIdentifier = appID
	}
	g.tc.GatewayCertificate = dnsproof.Thumbprint(pair.Cert)
	if err := c.ReserveDomain(ctx, appID, reg.ApplicationURI, mfg.ProgramExchangeConnector); err != nil {
		return nil, err
	}
	if err := g.poll(ctx, c, appID, reg.ApplicationURI, mfg.PendingActivation); err != nil {
		return nil, err
	}
	for _, d := range reg.Domains {
		if err := c.AddURI(ctx, appID, d); err != nil {
			return nil, err
		}
	}
	return &broker.Organization{ApplicationURI: reg.ApplicationURI, AppID: appID, Domains: slices.Clone(reg.Domains)}, nil
}

// poll asks GetDomainInfo every five seconds for up to a minute while the
// domain is in state while. A failed GetDomainInfo ends the wait, as in
// Exchange, which accepts the state as unknown; PendingRelease while
// activating is an error.
func (g *gatewayRegistrar) poll(ctx context.Context, c *mfg.Client, appID, domain string, while mfg.DomainState) error {
	deadline := time.Now().Add(gatewayPollFor)
	for {
		info, err := c.GetDomainInfo(ctx, appID, domain)
		if err != nil {
			return nil
		}
		switch {
		case info.DomainState == mfg.PendingRelease && while == mfg.PendingActivation:
			return fmt.Errorf("%w: %s is being released at the gateway", broker.ErrDomainTaken, domain)
		case info.DomainState != while:
			return nil
		case !time.Now().Add(gatewayPollInterval).Before(deadline):
			return fmt.Errorf("the gateway still reports %s as %s after %s", domain, while, gatewayPollFor)
		}
		t := time.NewTimer(gatewayPollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Update is Add-FederatedDomain and Remove-FederatedDomain for the domains
// that differ from the trust's (AddUri, RemoveUri), and the publishing step
// of a rollover (UpdateAppIdCertificate) when reg's current certificate is
// not the one the gateway holds, signed with the one it holds.
func (g *gatewayRegistrar) Update(ctx context.Context, reg broker.Registration) (*broker.Organization, error) {
	c, pair, err := g.client()
	if err != nil {
		return nil, err
	}
	appID := g.tc.ApplicationIdentifier
	for _, d := range reg.Domains {
		if !slices.Contains(g.tc.Domains, d) {
			if err := c.AddURI(ctx, appID, d); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range g.tc.Domains {
		if !slices.Contains(reg.Domains, d) {
			if err := c.RemoveURI(ctx, appID, d); err != nil {
				return nil, err
			}
		}
	}
	if reg.Current != nil && dnsproof.Thumbprint(reg.Current) != dnsproof.Thumbprint(pair.Cert) {
		if err := c.UpdateAppIDCertificate(ctx, appID, reg.Current); err != nil {
			return nil, err
		}
		g.tc.GatewayCertificate = dnsproof.Thumbprint(reg.Current)
	}
	return &broker.Organization{ApplicationURI: reg.ApplicationURI, AppID: appID, Domains: slices.Clone(reg.Domains)}, nil
}

// Remove is Remove-FederatedDomain of the account namespace: RemoveUri of
// every domain, the account namespace's domain last, then of the
// namespace, ReleaseDomain and GetDomainInfo while PendingRelease. An
// identifier the gateway no longer knows counts as removed
// (broker.ErrNotFound).
func (g *gatewayRegistrar) Remove(ctx context.Context, applicationURI string) error {
	c, _, err := g.client()
	if err != nil {
		return err
	}
	appID := g.tc.ApplicationIdentifier
	uris := slices.Clone(g.tc.Domains)
	slices.Reverse(uris) // the account namespace's domain is first; remove it last
	uris = append(uris, applicationURI)
	for _, u := range uris {
		if err := c.RemoveURI(ctx, appID, u); err != nil {
			return gone(err)
		}
	}
	if err := c.ReleaseDomain(ctx, appID, applicationURI); err != nil {
		return gone(err)
	}
	return g.poll(ctx, c, appID, applicationURI, mfg.PendingRelease)
}

// gone maps "no such application identifier" to broker.ErrNotFound.
func gone(err error) error {
	if errors.Is(err, mfg.ErrInvalidAppID) {
		return fmt.Errorf("%w: %v", broker.ErrNotFound, err)
	}
	return err
}

// gatewayErr turns a ManageDelegation2 refusal into advice, or returns nil
// when err is not one.
func (o *Org) gatewayErr(err error, tc *TrustConfig) error {
	var e *mfg.Error
	if !errors.As(err, &e) {
		return nil
	}
	thumb := dnsproof.Thumbprint(o.ring.Current().Cert)
	switch {
	case e.Code == mfg.ProofOfOwnershipNotValid && e.Record != "":
		return failQuiet(ErrProofMissing, err, fmt.Sprintf("the gateway did not find the proof of %s in DNS", e.Domain),
			fmt.Sprintf("publish %s and retry (DNS changes can take time)", e.Record))
	case e.Code == mfg.ProofOfOwnershipNotValid:
		return fail(ErrProofMissing, err, "the gateway did not find the domain proof in DNS", "publish the TXT records domain-proof prints and retry")
	case e.Code == mfg.InvalidManagementCertificate || e.Code == mfg.MemberNotAuthenticated || e.Code == mfg.InvalidPartnerCert:
		return fail(ErrWrongKey, err, fmt.Sprintf("the gateway refused a request signed with certificate %s", thumb),
			fmt.Sprintf("the gateway knows %s by another certificate, or the clock is off: restore the registered certificate, check the time, and retry", tc.ApplicationURI))
	case e.Code == mfg.NotPermittedForDomain || e.Code == mfg.DomainUnavailable || e.URINotUnique():
		return fail(ErrRefused, err, "the domain or namespace belongs to another organization at this gateway", "remove it there first, or ask the gateway's operator")
	case e.Code == mfg.InvalidAppID:
		return fail(ErrRefused, err, fmt.Sprintf("the gateway does not know application identifier %s", tc.ApplicationIdentifier), "run defederate to clear the local trust, then trust again")
	}
	return fail(ErrRefused, err, "the gateway refused the request", "fix what the gateway says and retry")
}

// endpoint names the registration service in messages.
func (tc *TrustConfig) endpoint() string {
	if tc.RegistrationEpr != "" {
		return tc.RegistrationEpr
	}
	return tc.BrokerURL
}

// isGateway reports whether s names a ManageDelegation2 endpoint form.
func isGateway(p Protocol) bool {
	return strings.EqualFold(string(p), string(ProtocolManageDelegation2))
}
