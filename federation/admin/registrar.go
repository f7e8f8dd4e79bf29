package admin

import (
	"context"

	"github.com/fedavail/fedavail/federation/broker"
)

// Registrar is the trust broker's registration service as the
// administrator's steps use it: record an organization with its
// certificates and proven domains, change them, and forget it. The broker's
// own signed API satisfies it ([broker.RegistrationClient]).
type Registrar interface {
	// Register records a new organization; broker.ErrExists when its
	// application URI is taken.
	Register(ctx context.Context, reg broker.Registration) (*broker.Organization, error)
	// Update replaces the organization's domains and certificates.
	Update(ctx context.Context, reg broker.Registration) (*broker.Organization, error)
	// Remove forgets the organization; broker.ErrNotFound when unknown.
	Remove(ctx context.Context, applicationURI string) error
}

var _ Registrar = (*broker.RegistrationClient)(nil)
