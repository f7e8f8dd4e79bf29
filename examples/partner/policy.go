package main

import (
	"context"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/sharing"
)

// policy answers partners from the sharing configuration and internal users
// with one fixed level: package sharing decides federated access only, and
// colleagues are not partners.
type policy struct {
	sharing  *sharing.LivePolicy
	internal fedavail.AccessLevel
}

// Access implements fedavail.AccessPolicy.
func (p *policy) Access(ctx context.Context, req fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	if !req.Federated {
		return p.internal, nil
	}
	return p.sharing.Access(ctx, req, mailbox)
}
