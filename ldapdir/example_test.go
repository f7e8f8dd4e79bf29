package ldapdir_test

import (
	"context"
	"fmt"
	"os"

	"github.com/fedavail/fedavail"

	"github.com/fedavail/fedavail/ldapdir"
	"github.com/fedavail/fedavail/sharing"
)

// A directory for Active Directory: users found by mail or proxyAddresses,
// nested groups followed by the server, read by a service account whose
// password comes from the environment when a connection is opened.
func Example() {
	dir, err := ldapdir.New(ldapdir.Config{
		URL:    "ldaps://dc1.fabrikam.example",
		BindDN: "CN=fedavail,OU=Service Accounts,DC=fabrikam,DC=example",
		BindPassword: func(context.Context) (string, error) {
			return os.Getenv("FEDAVAIL_LDAP_PASSWORD"), nil
		},
		BaseDN:       "DC=fabrikam,DC=example",
		UserFilter:   "(&(objectCategory=person)(objectClass=user))",
		MemberOfAttr: "memberOf",
		InChain:      true,
		Domains:      []string{"fabrikam.example"},
		EWSURL:       "https://mail.fabrikam.example/EWS/Exchange.asmx",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dir.Close()
	// Relationship scopes are now AD groups; nothing is asked until a
	// partner's request needs it.
	_, err = sharing.New(sharing.Config{
		OrganizationRelationships: []sharing.OrganizationRelationship{{
			Name: "Contoso", DomainNames: []string{"contoso.example"}, Enabled: true,
			FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly, FreeBusyAccessScope: "Partners-Visible",
		}},
		Groups: []sharing.Group{{Name: "Partners-Visible"}},
	}, &sharing.Options{Membership: dir})
	fmt.Println(err)
	// Output: <nil>
}

// New reports every problem of a configuration at once.
func ExampleNew() {
	_, err := ldapdir.New(ldapdir.Config{URL: "ldaps://dc1.fabrikam.example", StartTLS: true, BindDN: "CN=fedavail"})
	fmt.Println(err)
	// Output:
	// ldapdir: Config.StartTLS with an ldaps:// URL: the connection is already TLS
	// ldapdir: Config.BaseDN is required
	// ldapdir: Config.BindPassword is required with BindDN
	// ldapdir: Config.Domains is required
}
