package admin

import (
	"context"
	"errors"

	"github.com/fedavail/fedavail/federation/broker"
)

// Defederate ends federation: it removes the organization relationships,
// then the broker registration (and with it every federated domain), then
// the local trust. The order leaves no half-configured state: once the
// relationships are gone nothing is shared or asked for, whatever happens
// next; once the registration is gone the broker refuses every token
// request from or for the organization (a SOAP Sender fault, subcode
// wst:FailedAuthentication). A de-federation that stops half-way (a crash,
// an unreachable broker) is recorded before its first step: other
// operations then refuse with ErrDefederating, and calling Defederate again
// finishes the job. The certificates stay in the directory.
func (o *Org) Defederate(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.loadState()
	if err != nil {
		return err
	}
	if s.Trust == nil && !s.Defederating {
		if cfg, err := o.loadSharing(); err != nil || len(cfg.OrganizationRelationships) == 0 {
			return errNotTrusted(o.dir) // nothing to undo
		}
	}
	if !s.Defederating {
		s.Defederating = true
		if err := o.saveState(s); err != nil {
			return err
		}
	}
	// 1. Relationships: nothing is shared or asked for any more.
	cfg, err := o.loadSharing()
	if err != nil {
		return err
	}
	if len(cfg.OrganizationRelationships) > 0 {
		cfg.OrganizationRelationships = nil
		if err := o.saveSharing(cfg); err != nil {
			return err
		}
		o.log.InfoContext(ctx, "admin: organization relationships removed")
	}
	// 2. The registration, with the domains: the broker forgets us. Gone
	// already means a previous run got this far.
	if s.Trust != nil {
		err := o.regClient(s.Trust).Remove(ctx, s.Trust.ApplicationURI)
		if err != nil && !errors.Is(err, broker.ErrNotFound) {
			return o.brokerErr(err, s.Trust)
		}
		o.log.InfoContext(ctx, "admin: broker registration removed", "application_uri", s.Trust.ApplicationURI)
	}
	// 3. The local trust, and the end of the de-federation, in one write.
	s.Trust, s.Defederating, s.Switching = nil, false, false
	return o.saveState(s)
}
