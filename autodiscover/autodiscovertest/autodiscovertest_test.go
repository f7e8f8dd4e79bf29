package autodiscovertest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/autodiscover/autodiscovertest"
)

const cloud = "https://autodiscover-s.outlook.com/autodiscover/autodiscover.svc"

// mapDirectory is a directory held in maps, keyed in lower case; rule, if
// set, names the one rule it breaks.
type mapDirectory struct {
	users   map[string]bool
	domains map[string]bool
	moved   map[string]string
	rule    string
}

func newMap(rule string) *mapDirectory {
	return &mapDirectory{
		users:   map[string]bool{"alice@contoso.com": true, "bob@contoso.com": true},
		domains: map[string]bool{"contoso.com": true},
		moved:   map[string]string{"carol@contoso.com": cloud, "cloud.contoso.com": cloud},
		rule:    rule,
	}
}

func (d *mapDirectory) key(s string) string {
	if d.rule == "case-sensitive" {
		return s
	}
	return strings.ToLower(s)
}

func (d *mapDirectory) LookupUser(ctx context.Context, _ *fedavail.Requester, mailbox string) (*autodiscover.User, error) {
	if d.rule == "cancelled means unknown" && ctx.Err() != nil {
		return nil, autodiscover.ErrUnknownUser
	}
	if u, ok := d.moved[d.key(mailbox)]; ok && d.rule != "no moves" {
		return nil, &autodiscover.MovedError{URL: u}
	}
	switch {
	case d.users[d.key(mailbox)]:
		if d.rule == "nil user" {
			return nil, nil
		}
		return &autodiscover.User{Settings: autodiscover.Settings{{Name: autodiscover.UserDisplayName, Value: mailbox}}}, nil
	case d.rule == "everyone exists":
		return &autodiscover.User{}, nil
	}
	return nil, errors.Join(autodiscover.ErrUnknownUser, errors.New(mailbox))
}

func (d *mapDirectory) LookupDomain(ctx context.Context, _ *fedavail.Requester, domain string) (autodiscover.Settings, error) {
	if d.rule == "cancelled means unknown" && ctx.Err() != nil {
		return nil, autodiscover.ErrUnknownDomain
	}
	if u, ok := d.moved[d.key(domain)]; ok && d.rule != "no moves" {
		return nil, &autodiscover.MovedError{URL: u}
	}
	if d.domains[d.key(domain)] {
		return autodiscover.Settings{{Name: autodiscover.ExternalEwsURL, Value: "https://mail.contoso.com/EWS/Exchange.asmx"}}, nil
	}
	if d.rule == "unknown domain is an I/O error" {
		return nil, errors.New("directory: lookup failed")
	}
	return nil, autodiscover.ErrUnknownDomain
}

var config = autodiscovertest.Config{
	Users:     []string{"alice@contoso.com", "bob@contoso.com"},
	Domains:   []string{"contoso.com"},
	Moved:     map[string]string{"carol@contoso.com": cloud, "cloud.contoso.com": cloud},
	Requester: &fedavail.Requester{Address: "zoe@fabrikam.com", Domain: "fabrikam.com", Federated: true},
}

func TestMapDirectory(t *testing.T) {
	if err := autodiscovertest.TestDirectory(t.Context(), newMap(""), config); err != nil {
		t.Fatal(err)
	}
}

func TestSuiteFindsBrokenRules(t *testing.T) {
	tests := []struct{ rule, want string }{
		{"case-sensitive", `LookupUser("ALICE@CONTOSO.COM") of a known user`},
		{"cancelled means unknown", "with a cancelled context"},
		{"nil user", "= nil, nil"},
		{"everyone exists", "of an unknown user"},
		{"unknown domain is an I/O error", "of an unknown domain"},
		{"no moves", "*autodiscover.MovedError to " + cloud},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			err := autodiscovertest.TestDirectory(t.Context(), newMap(tt.rule), config)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("TestDirectory = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
