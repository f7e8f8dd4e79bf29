package grid

import (
	"errors"
	"fmt"

	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/sharing"
)

// Explain says in plain words why an attendee has no data, from the
// *federation.AttendeeError of its row: the causes an administrator can act
// on are named, anything else shows the step and the error.
func Explain(err error) string {
	var ae *federation.AttendeeError
	switch {
	case errors.Is(err, sharing.ErrNoRelationship):
		d := domainOf(err)
		return "no data: no organization relationship with " + d + " (fedadmin relationship add NAME -domain " + d + ")"
	case errors.Is(err, federation.ErrNotFederated):
		return "no data: " + domainOf(err) + " is not federated (check with fedcheck federation-info " + domainOf(err) + ")"
	case errors.Is(err, federation.ErrRefused):
		return "no data: the partner refused"
	case errors.Is(err, federation.ErrFederationDisabled):
		return "no data: this organization's federation is turned off (fedadmin org-identifier -enabled=true turns it on)"
	case errors.Is(err, federation.ErrBrokerRefused):
		return "no data: the trust broker gives no token for " + domainOf(err) +
			": the partner (or this organization) has left the federation, or is not registered with this broker; check with fedadmin trust show and ask the partner"
	case errors.As(err, &ae):
		return fmt.Sprintf("no data: %s failed: %v", ae.Step, ae.Err)
	}
	return "no data: " + err.Error()
}

// Tried lists, for a failed discovery, each URL tried with why it failed,
// so an administrator can see which one should have answered.
func Tried(err error) []string {
	var de *autodiscover.DiscoveryError
	if !errors.As(err, &de) {
		return nil
	}
	out := make([]string, len(de.Attempts))
	for i, a := range de.Attempts {
		out[i] = fmt.Sprintf("tried %s: %v", a.URL, a.Err)
	}
	return out
}

func domainOf(err error) string {
	var ae *federation.AttendeeError
	if errors.As(err, &ae) {
		return ae.Domain
	}
	return "the partner"
}
