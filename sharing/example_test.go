package sharing_test

import (
	"context"
	"fmt"
	"log"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/sharing"
)

// An administrator pastes what Exchange shows and asks why a partner's user
// sees what it sees.
func ExamplePolicy_Explain() {
	rels, err := sharing.ParseRelationships(`
DomainNames           : {fabrikam.com}
FreeBusyAccessEnabled : True
FreeBusyAccessLevel   : LimitedDetails
TargetApplicationUri  : FYDIBOHF25SPDLT.fabrikam.com
Name                  : Fabrikam
`)
	if err != nil {
		log.Fatal(err)
	}
	p, err := sharing.New(sharing.Config{OrganizationRelationships: rels}, nil)
	if err != nil {
		log.Fatal(err)
	}
	req := fedavail.Requester{Address: "alice@fabrikam.com", Domain: "fabrikam.com", Federated: true}
	d := p.Explain(context.Background(), req, "bob@contoso.com")
	for _, s := range d.Steps {
		fmt.Println(s)
	}
	// Output:
	// request from alice@fabrikam.com (domain fabrikam.com) for bob@contoso.com
	// organization relationship "Fabrikam" includes fabrikam.com and allows up to LimitedDetails
	// bob@contoso.com lets external users see AvailabilityOnly (the default: its owner has not opted in to show subject and location)
	// organization level: the lesser of LimitedDetails and AvailabilityOnly is AvailabilityOnly
	// bob@contoso.com has no person-to-person share with alice@fabrikam.com
	// result: AvailabilityOnly
}

// The requesting side finds the relationship to use for a partner.
func ExamplePolicy_RelationshipFor() {
	p, err := sharing.New(sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{{
		Name: "NHSmail", DomainNames: []string{"nhs.net"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
	}}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	r, err := p.RelationshipFor("nhs.net")
	fmt.Println(r.Name, err)
	_, err = p.RelationshipFor("fabrikam.com")
	fmt.Println(err)
	// Output:
	// NHSmail <nil>
	// sharing: no organization relationship for fabrikam.com
}

func ExampleParseSharingPolicies() {
	ps, err := sharing.ParseSharingPolicies(`Domains : {*:CalendarSharingFreeBusySimple, Anonymous:CalendarSharingFreeBusyReviewer}
Default : True
Name    : Default Sharing Policy`)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range ps[0].Domains {
		fmt.Printf("%s → %v\n", d.Domain, d.Actions)
	}
	// Output:
	// * → [CalendarSharingFreeBusySimple]
	// Anonymous → [CalendarSharingFreeBusyReviewer]
}
