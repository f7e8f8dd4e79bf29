package sharing

import (
	"errors"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/internal/golden"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCmdletRoundTrip(t *testing.T) {
	c := testConfig()
	t.Run("relationships", func(t *testing.T) {
		cmdletRoundTrip(t, "relationships.txt", c.OrganizationRelationships, FormatRelationships, ParseRelationships)
	})
	t.Run("sharing policies", func(t *testing.T) {
		cmdletRoundTrip(t, "sharing-policies.txt", c.SharingPolicies, FormatSharingPolicies, ParseSharingPolicies)
	})
}

// cmdletRoundTrip checks format against a golden file, parse(format) against
// the input and format(parse(text)) against the text.
func cmdletRoundTrip[T any](t *testing.T, name string, items []T, format func([]T) string, parse func(string) ([]T, error)) {
	text := format(items)
	golden.Check(t, name, []byte(text))
	back, err := parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(items, back, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("parse(format) (-want +got):\n%s", diff)
	}
	if again := format(back); again != text {
		t.Errorf("format(parse(text)) differs:\n%s", again)
	}
}

// TestParsePastedOutput reads output as an administrator pastes it from
// Exchange: extra properties, CRLF line ends, a wrapped line, trailing
// blanks, no Enabled property.
func TestParsePastedOutput(t *testing.T) {
	in := "\r\nRunspaceId            : 5f1a9a4c-1111-2222-3333-444455556666\r\n" +
		"DomainNames           : {fabrikam.com, sub.fab\r\n" +
		"                        rikam.com}\r\n" +
		"FreeBusyAccessEnabled : True\r\n" +
		"FreeBusyAccessLevel   : AvailabilityOnly\r\n" +
		"FreeBusyAccessScope   : \r\n" +
		"MailboxMoveEnabled    : False\r\n" +
		"TargetApplicationUri  : FYDIBOHF25SPDLT.fabrikam.com\r\n" +
		"TargetAutodiscoverEpr : https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity\r\n" +
		"Name                  : Fabrikam\r\n"
	got, err := ParseRelationships(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []OrganizationRelationship{{
		Name: "Fabrikam", DomainNames: []string{"fabrikam.com", "sub.fabrikam.com"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: avail,
		TargetApplicationURI:  "FYDIBOHF25SPDLT.fabrikam.com",
		TargetAutodiscoverEpr: "https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	ps, err := ParseSharingPolicies("Domains : {Anonymous:CalendarSharingFreeBusyReviewer, *:CalendarSharingFreeBusySimple}\nDefault : True\nName    : Default Sharing Policy\n")
	if err != nil {
		t.Fatal(err)
	}
	wantP := []SharingPolicy{{Name: "Default Sharing Policy", Enabled: true, Default: true, Domains: []SharingPolicyDomain{
		{Domain: "Anonymous", Actions: []SharingAction{CalendarSharingFreeBusyReviewer}},
		{Domain: "*", Actions: []SharingAction{CalendarSharingFreeBusySimple}},
	}}}
	if diff := cmp.Diff(wantP, ps); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseCmdletErrors(t *testing.T) {
	tests := []struct {
		name, in string
		parse    func(string) error
		want     string
	}{
		{"bad domain", "DomainNames : {fabrikam.com, fab rikam.com}\nName : Fabrikam\n", parseRel,
			`sharing: relationship "Fabrikam": DomainNames[1] "fab rikam.com": not a domain name: character ' ' is not allowed`},
		{"truncated list", "DomainNames : {a.com, b.com, c.com, d.com...}\nName : X\n", parseRel, "$FormatEnumerationLimit"},
		{"bad bool", "DomainNames : {a.com}\nEnabled : Yes\nName : X\n", parseRel, `relationship block 1 (line 2): Enabled: "Yes": want True or False`},
		{"bad level", "DomainNames : {a.com}\nFreeBusyAccessLevel : Everything\nName : X\n", parseRel, "unknown access level"},
		{"name too long", "DomainNames : {a.com}\nName : " + strings.Repeat("n", 65) + "\n", parseRel, "longer than 64 characters"},
		{"not a property line", "this is not Format-List\n", parseRel, `line 1: "this is not Format-List" is not "Property : Value"`},
		{"twice in one object", "Name : A\nName : B\n", parseRel, "line 2: Name appears twice"},
		{"unknown action", "Domains : {*:CalendarSharingEverything}\nName : P\n", parsePol, `unknown action "CalendarSharingEverything"`},
		{"two calendar actions", "Domains : {*:CalendarSharingFreeBusySimple, CalendarSharingFreeBusyDetail}\nName : P\n", parsePol,
			`sharing policy "P": Domains[0] "*:CalendarSharingFreeBusySimple, CalendarSharingFreeBusyDetail": has more than one calendar sharing action`},
		{"action first", "Domains : {ContactsSharing}\nName : P\n", parsePol, "an action without a domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func parseRel(s string) error { _, err := ParseRelationships(s); return err }
func parsePol(s string) error { _, err := ParseSharingPolicies(s); return err }

func TestJSONRoundTrip(t *testing.T) {
	c := testConfig()
	b, err := FormatJSON(c)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "config.json", b)
	back, err := ParseJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, back, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("parse(format) (-want +got):\n%s", diff)
	}
	again, _ := FormatJSON(back)
	if string(again) != string(b) {
		t.Error("format(parse(json)) differs from json")
	}
}

func TestJSONDefaults(t *testing.T) {
	c, err := ParseJSON([]byte(`{"OrganizationRelationships": [{"Name": "F", "DomainNames": ["f.example"]}],
		"SharingPolicies": [{"Name": "P", "Domains": ["f.example: CalendarSharingFreeBusyDetail"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r, p := c.OrganizationRelationships[0], c.SharingPolicies[0]
	if !r.Enabled || r.FreeBusyAccessEnabled || r.FreeBusyAccessLevel != none || !p.Enabled || p.Default {
		t.Errorf("defaults: relationship %+v, policy %+v; want Enabled true, FreeBusyAccessEnabled false, level None", r, p)
	}
}

func TestMalformedConfig(t *testing.T) {
	tests := []struct {
		name, json string
		want       []string // each must appear in the error
	}{
		{"syntax", "{\n  \"OrganizationRelationships\": [\n    {\"Name\": \"F\",}\n  ]\n}", []string{"sharing: configuration: line 3, column"}},
		{"unknown field", `{"OrganizationRelationships": [{"Name": "F", "DomainNames": ["f.example"], "FreeBusyAccesLevel": "None"}]}`, []string{`unknown field "FreeBusyAccesLevel"`}},
		{"wrong type", `{"Mailboxes": [{"Address": 42}]}`, []string{"line 1, column"}},
		{"bad level", `{"OrganizationRelationships": [{"Name": "F", "DomainNames": ["f.example"], "FreeBusyAccessLevel": "All"}]}`, []string{"unknown access level"}},
		{"trailing data", `{} {}`, []string{"data after the top-level value"}},
		{"many problems at once", `{
			"OrganizationRelationships": [
				{"Name": "Fabrikam", "DomainNames": ["fabrikam.com", "fab rikam.com"], "FreeBusyAccessScope": "Nobody", "TargetSharingEpr": "mail.fabrikam.com/EWS"},
				{"Name": "Fabrikam", "DomainNames": ["FABRIKAM.com"]},
				{"DomainNames": []}
			],
			"SharingPolicies": [
				{"Name": "A", "Default": true, "Domains": ["*:ContactsSharing", "*:CalendarSharingFreeBusySimple"]},
				{"Name": "B", "Default": true, "Domains": ["bad..domain:ContactsSharing"]}
			],
			"Mailboxes": [
				{"Address": "bob", "CalendarPermission": "Owner", "SharingPolicy": "C", "Grants": [{"Address": "x@", "Level": "LimitedDetails"}]},
				{"Address": "BOB"}
			],
			"Groups": [{"Name": "G", "Members": ["not an address"]}]
		}`, []string{
			`sharing: relationship "Fabrikam": DomainNames[1] "fab rikam.com": not a domain name: character ' ' is not allowed`,
			`sharing: relationship "Fabrikam": FreeBusyAccessScope "Nobody": no such group`,
			`sharing: relationship "Fabrikam": TargetSharingEpr "mail.fabrikam.com/EWS": not an absolute http(s) URL`,
			`sharing: relationship "Fabrikam": Name: another relationship has this name`,
			`DomainNames[0] "FABRIKAM.com": also in relationship "Fabrikam"`,
			`sharing: relationship #3: Name: is required`,
			`sharing: relationship #3: DomainNames: at least one domain is required`,
			`sharing: sharing policy "A": Domains[1] "*:CalendarSharingFreeBusySimple": repeats the domain of Domains[0]`,
			`sharing: sharing policy "B": Default: another sharing policy is already the default`,
			`sharing: sharing policy "B": Domains[0] "bad..domain:ContactsSharing": not a domain name: empty label`,
			`sharing: mailbox "bob": Address "bob": not an SMTP address`,
			`sharing: mailbox "bob": CalendarPermission "Owner": want None, AvailabilityOnly, LimitedDetails or Reviewer`,
			`sharing: mailbox "bob": SharingPolicy "C": no such sharing policy`,
			`sharing: mailbox "bob": Grants[0].Address "x@": not an SMTP address`,
			`sharing: mailbox "BOB": Address: listed twice`,
			`sharing: group "G": Members[0] "not an address": not an SMTP address`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJSON([]byte(tt.json))
			if err == nil {
				t.Fatal("ParseJSON accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if len(tt.want) > 1 {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Errorf("errors.As(*ConfigError) failed on %v", err)
				}
			}
		})
	}
}

// FuzzParseJSON: no input panics, and whatever parses formats back to a
// configuration that parses to the same thing.
func FuzzParseJSON(f *testing.F) {
	b, err := FormatJSON(testConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"SharingPolicies": [{"Name": "P", "Domains": ["*:ContactsSharing"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseJSON(data)
		if err != nil {
			return
		}
		out, err := FormatJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := ParseJSON(out)
		if err != nil {
			t.Fatalf("formatted configuration does not parse: %v\n%s", err, out)
		}
		if diff := cmp.Diff(c, c2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the configuration (-first +second):\n%s", diff)
		}
	})
}

// FuzzParseCmdlet: no input panics, and parsed relationships and policies
// survive format → parse unchanged.
func FuzzParseCmdlet(f *testing.F) {
	f.Add(FormatRelationships(testConfig().OrganizationRelationships))
	f.Add(FormatSharingPolicies(testConfig().SharingPolicies))
	f.Add("DomainNames : {a.com,\n  b.com}\nName : X\n")
	f.Fuzz(func(t *testing.T, text string) {
		if rs, err := ParseRelationships(text); err == nil {
			back, err := ParseRelationships(FormatRelationships(rs))
			if err != nil || !cmp.Equal(rs, back, cmpopts.EquateEmpty()) {
				t.Fatalf("relationships round trip: %v\n%v\n%v", err, rs, back)
			}
		}
		if ps, err := ParseSharingPolicies(text); err == nil {
			back, err := ParseSharingPolicies(FormatSharingPolicies(ps))
			if err != nil || !cmp.Equal(ps, back, cmpopts.EquateEmpty()) {
				t.Fatalf("policies round trip: %v\n%v\n%v", err, ps, back)
			}
		}
	})
}
