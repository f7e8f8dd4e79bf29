package federation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/autodiscover/autodiscovertest"
	"github.com/fedavail/fedavail/calendar"
)

// everyone is a directory that knows every user and domain.
type everyone struct{}

func (everyone) LookupUser(context.Context, *fedavail.Requester, string) (*autodiscover.User, error) {
	return &autodiscover.User{}, nil
}

func (everyone) LookupDomain(context.Context, *fedavail.Requester, string) (autodiscover.Settings, error) {
	return autodiscover.Settings{}, nil
}

// Autodiscover answers partners only for the federated and accepted
// domains; internal and anonymous callers reach the directory.
func TestScopedDirectory(t *testing.T) {
	d := scopedDirectory{scope: newPartnerScope([]string{"Fabrikam.test"}, []string{" accepted.fabrikam.test "}), next: everyone{}}
	partner := &fedavail.Requester{Address: "alice@contoso.test", Domain: "contoso.test", Federated: true}
	internal := &fedavail.Requester{Address: "erin@fabrikam.test", Domain: "fabrikam.test"}
	tests := []struct {
		name    string
		req     *fedavail.Requester
		subject string
		known   bool
	}{
		{"partner, federated domain", partner, "dana@FABRIKAM.test", true},
		{"partner, accepted domain", partner, "kim@accepted.fabrikam.test", true},
		{"partner, other domain", partner, "ceo@internal.fabrikam.test", false},
		{"partner, subdomain is not the domain", partner, "x@sub.fabrikam.test", false},
		{"internal user, other domain", internal, "ceo@internal.fabrikam.test", true},
		{"anonymous, other domain", nil, "ceo@internal.fabrikam.test", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.LookupUser(t.Context(), tt.req, tt.subject)
			if got := err == nil; got != tt.known || (err != nil && !errors.Is(err, autodiscover.ErrUnknownUser)) {
				t.Errorf("LookupUser(%s) = %v, want known %v (else ErrUnknownUser)", tt.subject, err, tt.known)
			}
			_, err = d.LookupDomain(t.Context(), tt.req, fedavail.AddressDomain(tt.subject))
			if got := err == nil; got != tt.known || (err != nil && !errors.Is(err, autodiscover.ErrUnknownDomain)) {
				t.Errorf("LookupDomain(%s) = %v, want known %v (else ErrUnknownDomain)", tt.subject, err, tt.known)
			}
		})
	}
}

// The scoped directory keeps the Directory contract for a partner: the
// accepted domain's users are known, the calendar source's other domains
// are not.
func TestScopedDirectoryConforms(t *testing.T) {
	var cals calendar.Memory
	cals.SetWorkingHours("alice@fabrikam.com", calendar.DefaultWorkingHours(time.UTC))
	cals.SetWorkingHours("kim@research.fabrikam.com", calendar.DefaultWorkingHours(time.UTC))
	cals.SetWorkingHours("ceo@internal.fabrikam.com", calendar.DefaultWorkingHours(time.UTC))
	scope := newPartnerScope([]string{"fabrikam.com"}, []string{"research.fabrikam.com"})
	dir := scopedDirectory{scope: scope, next: &domainDirectory{domains: scope, ewsURL: "https://mail.fabrikam.com/EWS/Exchange.asmx", calendars: &cals}}
	err := autodiscovertest.TestDirectory(t.Context(), dir, autodiscovertest.Config{
		Users:          []string{"alice@fabrikam.com", "kim@research.fabrikam.com"},
		Domains:        []string{"fabrikam.com", "research.fabrikam.com"},
		UnknownUsers:   []string{"ceo@internal.fabrikam.com", "nobody@fabrikam.com"},
		UnknownDomains: []string{"internal.fabrikam.com"},
		Requester:      &fedavail.Requester{Address: "alice@contoso.com", Domain: "contoso.com", Federated: true},
	})
	if err != nil {
		t.Fatal(err)
	}
}
