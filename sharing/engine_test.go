package sharing

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
)

const (
	none    = fedavail.AccessNone
	avail   = fedavail.AccessAvailabilityOnly
	limited = fedavail.AccessLimitedDetails
)

// testConfig is contoso.com's configuration: partners fabrikam (full),
// tailspin (disabled), woodgrove (free/busy off), litware (scoped), nhs.net
// (time only, as NHSmail offers by default).
func testConfig() Config {
	return Config{
		OrganizationRelationships: []OrganizationRelationship{
			{Name: "Fabrikam", DomainNames: []string{"fabrikam.com", "Sales.Fabrikam.com"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: limited,
				TargetApplicationURI: "FYDIBOHF25SPDLT.fabrikam.com", TargetAutodiscoverEpr: "https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity"},
			{Name: "Tailspin", DomainNames: []string{"tailspin.example"}, Enabled: false, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: limited},
			{Name: "Woodgrove", DomainNames: []string{"woodgrove.example"}, Enabled: true, FreeBusyAccessEnabled: false, FreeBusyAccessLevel: limited},
			{Name: "Litware", DomainNames: []string{"litware.example"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: limited, FreeBusyAccessScope: "Federated Users"},
			{Name: "NHSmail", DomainNames: []string{"nhs.net"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: avail},
			{Name: "Closed", DomainNames: []string{"closed.example"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: none},
		},
		SharingPolicies: []SharingPolicy{
			{Name: "Default Sharing Policy", Enabled: true, Default: true, Domains: []SharingPolicyDomain{
				{Domain: "*", Actions: []SharingAction{CalendarSharingFreeBusySimple}},
				{Domain: "Anonymous", Actions: []SharingAction{CalendarSharingFreeBusyReviewer}},
				{Domain: "partner.example", Actions: []SharingAction{ContactsSharing}},
			}},
			{Name: "Detail for Fabrikam", Enabled: true, Domains: []SharingPolicyDomain{
				{Domain: "fabrikam.com", Actions: []SharingAction{CalendarSharingFreeBusyDetail, ContactsSharing}},
			}},
			{Name: "Off", Enabled: false, Domains: []SharingPolicyDomain{{Domain: "*", Actions: []SharingAction{CalendarSharingFreeBusyDetail}}}},
		},
		Mailboxes: []Mailbox{
			{Address: "bob@contoso.com", CalendarPermission: PermissionLimitedDetails},
			{Address: "carol@contoso.com", CalendarPermission: PermissionNone},
			{Address: "dave@contoso.com", SharingPolicy: "Detail for Fabrikam", Grants: []Grant{
				{Address: "alice@fabrikam.com", Level: limited},
				{Address: "zoe@woodgrove.example", Level: limited},
			}},
			{Address: "erin@contoso.com", Grants: []Grant{
				{Address: "alice@fabrikam.com", Level: limited},
				{Address: "pat@partner.example", Level: limited},
				{Address: "sam@unrelated.example", Level: avail},
			}},
			{Address: "frank@contoso.com", SharingPolicy: "Off", Grants: []Grant{{Address: "alice@fabrikam.com", Level: limited}}},
			{Address: "gina@contoso.com", CalendarPermission: PermissionReviewer},
		},
		Groups: []Group{{Name: "Federated Users", Members: []string{"Bob@Contoso.com"}}},
	}
}

func fed(addr string) fedavail.Requester {
	return fedavail.Requester{Address: addr, Domain: fedavail.AddressDomain(addr), Federated: true}
}

func TestAccess(t *testing.T) {
	p, err := New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		req     fedavail.Requester
		mailbox string
		want    fedavail.AccessLevel
	}{
		{"no relationship", fed("x@unknown.example"), "bob@contoso.com", none},
		{"relationship disabled", fed("x@tailspin.example"), "bob@contoso.com", none},
		{"free/busy not enabled", fed("x@woodgrove.example"), "bob@contoso.com", none},
		{"relationship level None", fed("x@closed.example"), "bob@contoso.com", none},
		{"default permission caps LimitedDetails", fed("alice@fabrikam.com"), "unlisted@contoso.com", avail},
		{"owner opted in", fed("alice@fabrikam.com"), "bob@contoso.com", limited},
		{"reviewer is LimitedDetails for free/busy", fed("alice@fabrikam.com"), "gina@contoso.com", limited},
		{"owner said None", fed("alice@fabrikam.com"), "carol@contoso.com", none},
		{"relationship caps the opt-in", fed("x@nhs.net"), "bob@contoso.com", avail},
		{"second domain of a relationship", fed("x@sales.fabrikam.com"), "bob@contoso.com", limited},
		{"subdomain not covered", fed("x@eu.fabrikam.com"), "bob@contoso.com", none},
		{"domain from the token, not the address", fedavail.Requester{Address: "x@eu.fabrikam.com", Domain: "fabrikam.com", Federated: true}, "bob@contoso.com", limited},
		{"domain case and mailbox case", fedavail.Requester{Address: "Alice@Fabrikam.COM", Domain: "FABRIKAM.com", Federated: true}, "BOB@contoso.com", limited},
		{"in scope", fed("x@litware.example"), "bob@contoso.com", limited},
		{"out of scope", fed("x@litware.example"), "gina@contoso.com", none},
		{"not federated", fedavail.Requester{Address: "alice@fabrikam.com", Domain: "fabrikam.com"}, "bob@contoso.com", none},
		{"grant over org level, capped by own policy's domain entry", fed("alice@fabrikam.com"), "dave@contoso.com", limited},
		{"grant capped by default policy's *", fed("alice@fabrikam.com"), "erin@contoso.com", avail},
		{"grant where the org gives nothing", fed("zoe@woodgrove.example"), "dave@contoso.com", none},
		{"grant, policy entry has contacts only", fed("pat@partner.example"), "erin@contoso.com", none},
		{"grant under * with no relationship", fed("sam@unrelated.example"), "erin@contoso.com", avail},
		{"grant under a disabled policy", fed("alice@fabrikam.com"), "frank@contoso.com", avail},
		{"grant to someone else", fed("other@fabrikam.com"), "dave@contoso.com", avail},
	}
	// With debug logging on, Access writes and logs the steps it skips
	// otherwise; the decision is the same.
	var logged bytes.Buffer
	debug, err := New(testConfig(), &Options{Logger: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Access(t.Context(), tt.req, tt.mailbox)
			if err != nil || got != tt.want {
				t.Errorf("Access = %v, %v; want %v\nsteps: %s", got, err, tt.want, p.Explain(t.Context(), tt.req, tt.mailbox))
			}
			if d := p.Explain(t.Context(), tt.req, tt.mailbox); d.Level != got || len(d.Steps) == 0 {
				t.Errorf("Explain = %v with %d steps, Access = %v", d.Level, len(d.Steps), got)
			}
			logged.Reset()
			if got, err := debug.Access(t.Context(), tt.req, tt.mailbox); err != nil || got != tt.want {
				t.Errorf("Access with debug logging = %v, %v; want %v", got, err, tt.want)
			}
			if !strings.Contains(logged.String(), "result: ") {
				t.Errorf("debug log has no steps: %q", logged.String())
			}
		})
	}
}

func TestExplainWording(t *testing.T) {
	p, err := New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		req     fedavail.Requester
		mailbox string
		want    Decision
	}{
		{fed("alice@fabrikam.com"), "unlisted@contoso.com", Decision{Level: avail, Relationship: "Fabrikam", Steps: []string{
			"request from alice@fabrikam.com (domain fabrikam.com) for unlisted@contoso.com",
			`organization relationship "Fabrikam" includes fabrikam.com and allows up to LimitedDetails`,
			"unlisted@contoso.com lets external users see AvailabilityOnly (the default: its owner has not opted in to show subject and location)",
			"organization level: the lesser of LimitedDetails and AvailabilityOnly is AvailabilityOnly",
			"unlisted@contoso.com has no person-to-person share with alice@fabrikam.com",
			"result: AvailabilityOnly",
		}}},
		{fed("x@unknown.example"), "bob@contoso.com", Decision{Level: none, Steps: []string{
			"request from x@unknown.example (domain unknown.example) for bob@contoso.com",
			"no organization relationship includes unknown.example: this organization needs one for the partner (and the partner one for this organization)",
			"bob@contoso.com has no person-to-person share with x@unknown.example",
			"result: None",
		}}},
		{fed("x@eu.fabrikam.com"), "bob@contoso.com", Decision{Level: none, Steps: []string{
			"request from x@eu.fabrikam.com (domain eu.fabrikam.com) for bob@contoso.com",
			`no organization relationship includes eu.fabrikam.com; relationship "Fabrikam" includes fabrikam.com, but a domain does not cover its subdomains`,
			"bob@contoso.com has no person-to-person share with x@eu.fabrikam.com",
			"result: None",
		}}},
		{fed("x@litware.example"), "gina@contoso.com", Decision{Level: none, Relationship: "Litware", Steps: []string{
			"request from x@litware.example (domain litware.example) for gina@contoso.com",
			`organization relationship "Litware" includes litware.example and allows up to LimitedDetails`,
			`gina@contoso.com is not a member of the relationship's access scope "Federated Users", so the relationship shares nothing of it`,
			"gina@contoso.com has no person-to-person share with x@litware.example",
			"result: None",
		}}},
		{fed("alice@fabrikam.com"), "erin@contoso.com", Decision{Level: avail, Relationship: "Fabrikam", Steps: []string{
			"request from alice@fabrikam.com (domain fabrikam.com) for erin@contoso.com",
			`organization relationship "Fabrikam" includes fabrikam.com and allows up to LimitedDetails`,
			"erin@contoso.com lets external users see AvailabilityOnly (the default: its owner has not opted in to show subject and location)",
			"organization level: the lesser of LimitedDetails and AvailabilityOnly is AvailabilityOnly",
			`erin@contoso.com shared LimitedDetails with alice@fabrikam.com; the default sharing policy "Default Sharing Policy" allows CalendarSharingFreeBusySimple for *, so the share gives AvailabilityOnly`,
			"result: AvailabilityOnly, the greater of the organization level AvailabilityOnly and the person-to-person level AvailabilityOnly",
		}}},
		{fed("x@woodgrove.example"), "bob@contoso.com", Decision{Level: none, Relationship: "Woodgrove", Steps: []string{
			"request from x@woodgrove.example (domain woodgrove.example) for bob@contoso.com",
			`organization relationship "Woodgrove" includes woodgrove.example but does not have free/busy access enabled`,
			"bob@contoso.com has no person-to-person share with x@woodgrove.example",
			"result: None",
		}}},
	}
	for _, tt := range tests {
		got := p.Explain(context.Background(), tt.req, tt.mailbox)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Explain(%s, %s) (-want +got):\n%s", tt.req.Address, tt.mailbox, diff)
		}
	}
}

type failingMembership struct{}

func (failingMembership) IsMember(context.Context, string, string) (bool, error) {
	return false, errors.New("directory unreachable")
}

type directory map[string]bool

func (d directory) IsMember(_ context.Context, group, mailbox string) (bool, error) {
	return d[group+"/"+mailbox], nil
}

func TestMembership(t *testing.T) {
	p, err := New(testConfig(), &Options{Membership: directory{"Federated Users/gina@contoso.com": true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got, _ := p.Access(ctx, fed("x@litware.example"), "gina@contoso.com"); got != limited {
		t.Errorf("directory member: %v, want LimitedDetails", got)
	}
	if got, _ := p.Access(ctx, fed("x@litware.example"), "bob@contoso.com"); got != none {
		t.Errorf("the directory, not the config's members, decides: %v, want None", got)
	}
	p, _ = New(testConfig(), &Options{Membership: failingMembership{}})
	got, err := p.Access(ctx, fed("x@litware.example"), "bob@contoso.com")
	if got != none || err == nil || !strings.Contains(err.Error(), "directory unreachable") {
		t.Errorf("failing membership: %v, %v; want None and the error", got, err)
	}
}

func TestRelationshipFor(t *testing.T) {
	p, err := New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.RelationshipFor("Fabrikam.com")
	if err != nil || r.Name != "Fabrikam" || r.TargetApplicationURI != "FYDIBOHF25SPDLT.fabrikam.com" {
		t.Errorf("RelationshipFor(Fabrikam.com) = %+v, %v", r, err)
	}
	r.DomainNames[0] = "changed.example" // must not reach the policy
	if again, _ := p.RelationshipFor("fabrikam.com"); again.DomainNames[0] != "fabrikam.com" {
		t.Error("RelationshipFor returned shared state")
	}
	for domain, want := range map[string]string{
		"unknown.example":   "sharing: no organization relationship for unknown.example",
		"eu.fabrikam.com":   "sharing: no organization relationship for eu.fabrikam.com",
		"tailspin.example":  `sharing: organization relationship "Tailspin" for tailspin.example is disabled`,
		"woodgrove.example": `sharing: organization relationship "Woodgrove" for woodgrove.example does not have free/busy access enabled`,
	} {
		_, err := p.RelationshipFor(domain)
		var re *RelationshipError
		if !errors.Is(err, ErrNoRelationship) || !errors.As(err, &re) || err.Error() != want {
			t.Errorf("RelationshipFor(%s) error = %v, want %q", domain, err, want)
		}
	}
}

// TestAccessAllocations: Access, whose steps are not logged, formats
// nothing and so allocates nothing for the usual decisions (a relationship
// and the mailbox permission; a person-to-person grant).
func TestAccessAllocations(t *testing.T) {
	p, err := New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ who, mailbox string }{
		{"alice@fabrikam.com", "bob@contoso.com"},
		{"alice@fabrikam.com", "dave@contoso.com"},
		{"someone@nhs.net", "gina@contoso.com"},
	} {
		req := fed(c.who)
		if n := testing.AllocsPerRun(100, func() { _, _ = p.Access(t.Context(), req, c.mailbox) }); n != 0 {
			t.Errorf("%s asking for %s: %.0f allocations", c.who, c.mailbox, n)
		}
	}
}

// BenchmarkAccess is one decision of the usual kind (a relationship and the
// mailbox permission), steps not logged.
func BenchmarkAccess(b *testing.B) {
	p, err := New(testConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	req := fed("alice@fabrikam.com")
	for b.Loop() {
		if _, err := p.Access(b.Context(), req, "bob@contoso.com"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCalendarPermissionLevels: the constants and any other spelling of
// them (case aside) give the same levels; anything else is unknown.
func TestCalendarPermissionLevels(t *testing.T) {
	for p, want := range map[CalendarPermission]fedavail.AccessLevel{
		PermissionDefault: avail, PermissionAvailabilityOnly: avail, PermissionNone: none,
		PermissionLimitedDetails: limited, PermissionReviewer: limited,
	} {
		for _, q := range []CalendarPermission{p, CalendarPermission(strings.ToUpper(string(p))), CalendarPermission(strings.ToLower(string(p)))} {
			if got, ok := q.AccessLevel(); !ok || got != want {
				t.Errorf("%q: %v, %v; want %v", q, got, ok, want)
			}
		}
	}
	if _, ok := CalendarPermission("Editor").AccessLevel(); ok {
		t.Error("an unknown permission was known")
	}
}
