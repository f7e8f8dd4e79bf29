package federation

import (
	"context"
	"fmt"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
)

// partnerScope is the set of domains whose mailboxes partners may address:
// the organization's federated and accepted domains. Exchange resolves a
// partner's mailbox through the directory of the organization that owns
// the address's accepted domain (GetUserSettingsForExternalUser,
// FreeBusyPermission.FromExternalClient), so a partner reaches every
// mailbox the organization hosts and nothing else. A calendar source is not
// a directory: it may hold mailboxes of domains the organization never
// published, and those stay internal. Internal users (requesters without a
// delegation token) are not limited.
type partnerScope []string

func newPartnerScope(lists ...[]string) partnerScope {
	var s partnerScope
	for _, l := range lists {
		for _, d := range l {
			if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
				s = append(s, d)
			}
		}
	}
	return s
}

func (s partnerScope) hasDomain(domain string) bool {
	domain = strings.TrimSpace(domain)
	for _, d := range s {
		if strings.EqualFold(strings.TrimSpace(d), domain) {
			return true
		}
	}
	return false
}

// allows reports whether req may address mailbox.
func (s partnerScope) allows(req *fedavail.Requester, mailbox string) bool {
	return req == nil || !req.Federated || s.hasDomain(fedavail.AddressDomain(mailbox))
}

// scopedPolicy gives partners no access to mailboxes outside the scope,
// whatever the policy would grant, and without asking it: the answer,
// ErrorNoFreeBusyAccess, is the same whether the mailbox exists or not,
// as Exchange answers a mailbox outside a relationship's
// FreeBusyAccessScope.
type scopedPolicy struct {
	scope partnerScope
	next  fedavail.AccessPolicy
}

func (p scopedPolicy) Access(ctx context.Context, req fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	if !p.scope.allows(&req, mailbox) {
		return fedavail.AccessNone, nil
	}
	return p.next.Access(ctx, req, mailbox)
}

// scopedDirectory answers partners InvalidUser and InvalidDomain for users
// and domains outside the scope, before the directory is asked.
type scopedDirectory struct {
	scope partnerScope
	next  autodiscover.Directory
}

func (d scopedDirectory) LookupUser(ctx context.Context, req *fedavail.Requester, mailbox string) (*autodiscover.User, error) {
	if !d.scope.allows(req, mailbox) {
		return nil, fmt.Errorf("%w: %s is not in a domain partners may address", autodiscover.ErrUnknownUser, mailbox)
	}
	return d.next.LookupUser(ctx, req, mailbox)
}

func (d scopedDirectory) LookupDomain(ctx context.Context, req *fedavail.Requester, domain string) (autodiscover.Settings, error) {
	if req != nil && req.Federated && !d.scope.hasDomain(domain) {
		return nil, fmt.Errorf("%w: %s is not a domain partners may address", autodiscover.ErrUnknownDomain, domain)
	}
	return d.next.LookupDomain(ctx, req, domain)
}
