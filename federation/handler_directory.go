package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/calendar"
)

// domainDirectory is the Autodiscover directory of a [Handler] without one
// of its own: every mailbox the calendar source knows, in one of the
// organization's domains, is on the one EWS endpoint.
type domainDirectory struct {
	domains   partnerScope
	ewsURL    string
	calendars calendar.Source
}

func (d *domainDirectory) settings() autodiscover.Settings {
	return autodiscover.Settings{
		{Name: autodiscover.ExternalEwsURL, Value: d.ewsURL},
		{Name: autodiscover.ExternalEwsVersion, Value: ExternalEWSVersion},
	}
}

// LookupUser implements autodiscover.Directory.
func (d *domainDirectory) LookupUser(ctx context.Context, _ *fedavail.Requester, mailbox string) (*autodiscover.User, error) {
	if !d.domains.hasDomain(fedavail.AddressDomain(mailbox)) {
		return nil, fmt.Errorf("%w: %s is not in this organization's domains", autodiscover.ErrUnknownUser, mailbox)
	}
	// The calendar source is the list of mailboxes: calendar.Source promises
	// ErrMailboxNotFound from WorkingHours for a mailbox it does not know.
	if _, err := d.calendars.WorkingHours(ctx, mailbox); errors.Is(err, calendar.ErrMailboxNotFound) {
		return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownUser, mailbox)
	} else if err != nil {
		return nil, err
	}
	// No display name is known; Exchange always has one, and the address
	// is the honest stand-in (POX's User/DisplayName uses it too).
	return &autodiscover.User{Settings: append(d.settings(), autodiscover.Setting{Name: autodiscover.UserDisplayName, Value: mailbox})}, nil
}

// LookupDomain implements autodiscover.Directory.
func (d *domainDirectory) LookupDomain(_ context.Context, _ *fedavail.Requester, domain string) (autodiscover.Settings, error) {
	if !d.domains.hasDomain(domain) {
		return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownDomain, domain)
	}
	return d.settings(), nil
}
