package ldapdir_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/autodiscover/autodiscovertest"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/realparts"
	"github.com/fedavail/fedavail/ldapdir"
	"github.com/fedavail/fedavail/sharing"
)

// schema adds AD's proxyAddresses and an opt-in attribute to inetOrgPerson
// entries (OIDs under the example arc of RFC 5612's private enterprise 32473).
const schema = `attributetype ( 1.3.6.1.4.1.32473.1.1 NAME 'proxyAddresses' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.3.6.1.4.1.32473.1.2 NAME 'calendarDetails' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.32473.2.1 NAME 'fedavailMailbox' AUXILIARY MAY ( proxyAddresses $ calendarDetails ) )`

const suffix = "dc=fabrikam,dc=test"

// tree: dana is in Team, which is in Shared; erin is in Loop2, and Loop1
// and Loop2 hold each other (a cycle); Outer holds Loop1. frank is in no
// group. twin1 and twin2 both claim shared@.
const tree = `dn: dc=fabrikam,dc=test
objectClass: dcObject
objectClass: organization
o: Fabrikam
dc: fabrikam

dn: ou=people,dc=fabrikam,dc=test
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=fabrikam,dc=test
objectClass: organizationalUnit
ou: groups

dn: uid=dana,ou=people,dc=fabrikam,dc=test
objectClass: inetOrgPerson
objectClass: fedavailMailbox
uid: dana
cn: Dana
sn: Smith
mail: dana@fabrikam.test
proxyAddresses: SMTP:dana@fabrikam.test
proxyAddresses: smtp:d.smith@fabrikam.test
proxyAddresses: x500:/o=Fabrikam/cn=dana
calendarDetails: TRUE

dn: uid=erin,ou=people,dc=fabrikam,dc=test
objectClass: inetOrgPerson
objectClass: fedavailMailbox
uid: erin
cn: Erin
sn: Jones
mail: Erin@Fabrikam.test
calendarDetails: AvailabilityOnly

dn: uid=frank,ou=people,dc=fabrikam,dc=test
objectClass: inetOrgPerson
uid: frank
cn: Frank
sn: Brown
mail: frank@fabrikam.test

dn: uid=twin1,ou=people,dc=fabrikam,dc=test
objectClass: inetOrgPerson
uid: twin1
cn: Twin
sn: One
mail: shared@fabrikam.test

dn: uid=twin2,ou=people,dc=fabrikam,dc=test
objectClass: inetOrgPerson
uid: twin2
cn: Twin
sn: Two
mail: shared@fabrikam.test

dn: cn=Team,ou=groups,dc=fabrikam,dc=test
objectClass: groupOfNames
cn: Team
member: uid=dana,ou=people,dc=fabrikam,dc=test

dn: cn=Shared,ou=groups,dc=fabrikam,dc=test
objectClass: groupOfNames
cn: Shared
member: cn=Team,ou=groups,dc=fabrikam,dc=test

dn: cn=Loop1,ou=groups,dc=fabrikam,dc=test
objectClass: groupOfNames
cn: Loop1
member: cn=Loop2,ou=groups,dc=fabrikam,dc=test

dn: cn=Loop2,ou=groups,dc=fabrikam,dc=test
objectClass: groupOfNames
cn: Loop2
member: cn=Loop1,ou=groups,dc=fabrikam,dc=test
member: uid=erin,ou=people,dc=fabrikam,dc=test

dn: cn=Outer,ou=groups,dc=fabrikam,dc=test
objectClass: groupOfNames
cn: Outer
member: cn=Loop1,ou=groups,dc=fabrikam,dc=test
`

func startSlapd(t *testing.T, memberOf bool) *realparts.Slapd {
	t.Helper()
	s := realparts.StartSlapd(t, realparts.SlapdOptions{Suffix: suffix, Schema: schema, MemberOf: memberOf})
	s.Add(t, tree)
	return s
}

func newDirectory(t *testing.T, s *realparts.Slapd, cfg ldapdir.Config) *ldapdir.Directory {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = s.URL
	}
	cfg.BindDN, cfg.BaseDN = s.RootDN, suffix
	pw := s.RootPW
	cfg.BindPassword = func(context.Context) (string, error) { return pw, nil }
	cfg.Domains = []string{"fabrikam.test"}
	cfg.EWSURL = "https://mail.fabrikam.test/EWS/Exchange.asmx"
	cfg.UserFilter = "(objectClass=inetOrgPerson)"
	d, err := ldapdir.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestLookupUserAgainstSlapd(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, startSlapd(t, false), ldapdir.Config{DetailsAttr: "calendarDetails"})
	tests := []struct {
		mailbox string
		check   func(*autodiscover.User, error) bool
	}{
		{"dana@fabrikam.test", found},
		{"  DANA@fabrikam.TEST ", found},
		{"d.smith@fabrikam.test", found},               // an smtp: proxy address
		{"erin@fabrikam.test", found},                  // mail in mixed case in the directory
		{"/o=Fabrikam/cn=dana@fabrikam.test", unknown}, // not an smtp: address
		{"nobody@fabrikam.test", unknown},
		{"dana@contoso.test", unknown}, // not one of Domains: the server is not asked
		{"*@fabrikam.test", unknown},   // filter characters are escaped
		{"dana@fabrikam.test)(mail=*", unknown},
		{"shared@fabrikam.test", func(_ *autodiscover.User, err error) bool {
			var ae *ldapdir.AmbiguousError
			return errors.As(err, &ae) && !errors.Is(err, autodiscover.ErrUnknownUser)
		}},
	}
	for _, tt := range tests {
		u, err := d.LookupUser(t.Context(), nil, tt.mailbox)
		if !tt.check(u, err) {
			t.Errorf("LookupUser(%q) = %+v, %v", tt.mailbox, u, err)
		}
	}
	if _, err := d.LookupDomain(t.Context(), nil, "Fabrikam.test"); err != nil {
		t.Errorf("LookupDomain(fabrikam.test): %v", err)
	}
	if _, err := d.LookupDomain(t.Context(), nil, "contoso.test"); !errors.Is(err, autodiscover.ErrUnknownDomain) {
		t.Errorf("LookupDomain(contoso.test): %v, want ErrUnknownDomain", err)
	}

	got, err := d.SharingMailboxes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []sharing.Mailbox{
		{Address: "dana@fabrikam.test", CalendarPermission: sharing.PermissionLimitedDetails},
		{Address: "erin@fabrikam.test", CalendarPermission: sharing.PermissionAvailabilityOnly},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("SharingMailboxes (-want +got):\n%s", d)
	}
	if p, err := d.CalendarPermission(t.Context(), "d.smith@fabrikam.test"); err != nil || p != sharing.PermissionLimitedDetails {
		t.Errorf("CalendarPermission(d.smith) = %v, %v; want LimitedDetails", p, err)
	}
}

func found(u *autodiscover.User, err error) bool {
	return err == nil && u != nil && len(u.Settings) == 2 && u.Settings[0].Value == "https://mail.fabrikam.test/EWS/Exchange.asmx"
}

func unknown(u *autodiscover.User, err error) bool {
	return u == nil && errors.Is(err, autodiscover.ErrUnknownUser)
}

// TestIsMemberAgainstSlapd follows nested groups, by searching groups by
// member and by the memberof overlay's memberOf.
func TestIsMemberAgainstSlapd(t *testing.T) {
	t.Parallel()
	for _, memberOf := range []bool{false, true} {
		name := "member search"
		cfg := ldapdir.Config{}
		if memberOf {
			name, cfg.MemberOfAttr = "memberOf", "memberOf"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := newDirectory(t, startSlapd(t, memberOf), cfg)
			tests := []struct {
				group, mailbox string
				want           bool
			}{
				{"Team", "dana@fabrikam.test", true},
				{"Shared", "dana@fabrikam.test", true},    // through Team
				{"shared", "d.smith@fabrikam.test", true}, // group names and aliases
				{"Shared", "erin@fabrikam.test", false},
				{"Outer", "erin@fabrikam.test", true}, // through the Loop1/Loop2 cycle
				{"Loop1", "erin@fabrikam.test", true},
				{"Outer", "dana@fabrikam.test", false},
				{"Shared", "frank@fabrikam.test", false},
				{"NoSuchGroup", "dana@fabrikam.test", false},
				{"Shared", "nobody@fabrikam.test", false},
				{"*", "dana@fabrikam.test", false},
			}
			for _, tt := range tests {
				got, err := d.IsMember(t.Context(), tt.group, tt.mailbox)
				if err != nil || got != tt.want {
					t.Errorf("IsMember(%q, %q) = %v, %v; want %v", tt.group, tt.mailbox, got, err, tt.want)
				}
			}
		})
	}
}

// TestDirectoryDown: a directory that cannot be reached is an error for
// each question, never "unknown" and never "not a member", and a sharing
// policy scoped by it refuses to answer rather than share.
func TestDirectoryDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "ldap://" + l.Addr().String() + "/"
	l.Close()
	d := newDirectory(t, &realparts.Slapd{RootDN: "cn=admin," + suffix, RootPW: "x"}, ldapdir.Config{URL: closed})
	var ue *fedavail.UnavailableError
	if _, err := d.LookupUser(t.Context(), nil, "dana@fabrikam.test"); !errors.As(err, &ue) || errors.Is(err, autodiscover.ErrUnknownUser) {
		t.Errorf("LookupUser with the directory down: %v, want a *fedavail.UnavailableError", err)
	}
	if _, err := d.IsMember(t.Context(), "Shared", "dana@fabrikam.test"); err == nil {
		t.Error("IsMember with the directory down succeeded")
	}
	policy, err := sharing.New(sharing.Config{
		OrganizationRelationships: []sharing.OrganizationRelationship{{
			Name: "Contoso", DomainNames: []string{"contoso.test"}, Enabled: true, FreeBusyAccessEnabled: true,
			FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly, FreeBusyAccessScope: "Shared",
		}},
		Groups: []sharing.Group{{Name: "Shared"}},
	}, &sharing.Options{Membership: d})
	if err != nil {
		t.Fatal(err)
	}
	lvl, err := policy.Access(t.Context(), fedavail.Requester{Address: "alice@contoso.test", Domain: "contoso.test", Federated: true}, "dana@fabrikam.test")
	if err == nil {
		t.Errorf("Access with the directory down = %v, nil; want an error", lvl)
	}
}

func TestBindRefused(t *testing.T) {
	t.Parallel()
	s := startSlapd(t, false)
	wrong := *s
	wrong.RootPW = "wrong"
	d := newDirectory(t, &wrong, ldapdir.Config{URL: s.URL})
	_, err := d.LookupUser(t.Context(), nil, "dana@fabrikam.test")
	var le *ldap.Error
	if !errors.As(err, &le) || le.ResultCode != ldap.LDAPResultInvalidCredentials {
		t.Errorf("LookupUser with a wrong bind password: %v, want LDAP result 49", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestTooManyEntries(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, startSlapd(t, false), ldapdir.Config{DetailsAttr: "calendarDetails", MaxEntries: 1})
	var le *fedavail.LimitError
	if _, err := d.SharingMailboxes(t.Context()); !errors.As(err, &le) {
		t.Errorf("SharingMailboxes over MaxEntries: %v, want a *fedavail.LimitError", err)
	}
	// The pool recovers: the next question is answered.
	if _, err := d.LookupUser(t.Context(), nil, "dana@fabrikam.test"); err != nil {
		t.Errorf("LookupUser after the limit: %v", err)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := ldapdir.New(ldapdir.Config{URL: "http://x", BindDN: "cn=x", UserFilter: "(broken", BaseDN: "not a dn"})
	if err == nil {
		t.Fatal("New accepted a broken Config")
	}
	for _, want := range []string{"ldap:// or ldaps://", "BaseDN", "BindPassword", "Domains", "UserFilter"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestTLSAgainstSlapd: ldaps:// and StartTLS with the test CA's
// certificate; a client that does not trust it is refused, never answered
// in the clear.
func TestTLSAgainstSlapd(t *testing.T) {
	t.Parallel()
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.Issue("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := pki.KeyPEM(pair.Key)
	if err != nil {
		t.Fatal(err)
	}
	s := realparts.StartSlapd(t, realparts.SlapdOptions{Suffix: suffix, Schema: schema,
		CertPEM: append(pki.CertPEM(pair.Cert), pki.CertPEM(ca.Cert)...), KeyPEM: keyPEM})
	s.Add(t, tree)
	trusted := ca.ClientTLSConfig()
	tests := []struct {
		name   string
		cfg    ldapdir.Config
		wantOK bool
	}{
		{"ldaps", ldapdir.Config{URL: s.LDAPSURL, TLSConfig: trusted}, true},
		{"StartTLS", ldapdir.Config{URL: s.URL, StartTLS: true, TLSConfig: trusted}, true},
		{"ldaps, untrusted", ldapdir.Config{URL: s.LDAPSURL}, false},
		{"StartTLS, untrusted", ldapdir.Config{URL: s.URL, StartTLS: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDirectory(t, s, tt.cfg)
			_, err := d.LookupUser(t.Context(), nil, "dana@fabrikam.test")
			if tt.wantOK != (err == nil) {
				t.Errorf("LookupUser: %v, want success %v", err, tt.wantOK)
			}
			if err != nil && errors.Is(err, autodiscover.ErrUnknownUser) {
				t.Errorf("a TLS failure reads as an unknown user: %v", err)
			}
		})
	}
}

// TestDirectorySuite runs the autodiscover.Directory conformance suite
// against slapd.
func TestDirectorySuite(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, startSlapd(t, false), ldapdir.Config{})
	err := autodiscovertest.TestDirectory(t.Context(), d, autodiscovertest.Config{
		Users:        []string{"dana@fabrikam.test", "d.smith@fabrikam.test", "erin@fabrikam.test"},
		Domains:      []string{"fabrikam.test"},
		UnknownUsers: []string{"nobody@fabrikam.test", "dana@contoso.test", "*@fabrikam.test", "dana"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConnectionPool: connections are reused, and no more than PoolSize
// are open however many questions run at once.
func TestConnectionPool(t *testing.T) {
	t.Parallel()
	var dials atomic.Int32
	dialer := &net.Dialer{Control: func(string, string, syscall.RawConn) error { dials.Add(1); return nil }}
	d := newDirectory(t, startSlapd(t, false), ldapdir.Config{Dialer: dialer, PoolSize: 2, CacheTTL: -1})
	for range 10 {
		if _, err := d.LookupUser(t.Context(), nil, "dana@fabrikam.test"); err != nil {
			t.Fatal(err)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("10 questions in a row opened %d connections, want 1", n)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.IsMember(t.Context(), "Shared", "dana@fabrikam.test"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := dials.Load(); n > 2 {
		t.Errorf("16 concurrent questions opened %d connections in all, want at most PoolSize (2)", n)
	}
}

// TestPagedSearch: a server that answers at most 100 entries to a search
// without paging (slapd's sizelimit, as AD's MaxPageSize does) gives all
// 602 opted-in mailboxes, in pages of 500.
func TestPagedSearch(t *testing.T) {
	t.Parallel()
	s := realparts.StartSlapd(t, realparts.SlapdOptions{Suffix: suffix, Schema: schema + "\nsizelimit size.soft=100 size.hard=100 size.pr=500 size.prtotal=unlimited"})
	var ldif strings.Builder
	ldif.WriteString(tree)
	ldif.WriteString("\ndn: cn=reader,dc=fabrikam,dc=test\nobjectClass: person\ncn: reader\nsn: reader\nuserPassword: reader-secret\n")
	for i := range 600 {
		fmt.Fprintf(&ldif, "\ndn: uid=u%d,ou=people,dc=fabrikam,dc=test\nobjectClass: inetOrgPerson\nobjectClass: fedavailMailbox\nuid: u%d\ncn: U\nsn: U\nmail: u%d@fabrikam.test\ncalendarDetails: TRUE\n", i, i, i)
	}
	s.Add(t, ldif.String())
	reader := *s
	reader.RootDN, reader.RootPW = "cn=reader,dc=fabrikam,dc=test", "reader-secret" // not the manager: limits apply
	d := newDirectory(t, &reader, ldapdir.Config{URL: s.URL, DetailsAttr: "calendarDetails"})
	got, err := d.SharingMailboxes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 602 {
		t.Errorf("SharingMailboxes = %d mailboxes, want 602 (600 and dana and erin), over two pages", len(got))
	}
}

// TestInChainIgnoredByOpenLDAP pins down why InChain is opt-in: OpenLDAP
// does not know Active Directory's matching rule and answers a filter
// using it with nothing, not an error, so even a direct member reads as
// "not a member" there.
func TestInChainIgnoredByOpenLDAP(t *testing.T) {
	t.Parallel()
	d := newDirectory(t, startSlapd(t, false), ldapdir.Config{InChain: true})
	in, err := d.IsMember(t.Context(), "Team", "dana@fabrikam.test")
	if err != nil || in {
		t.Errorf("IsMember with InChain on OpenLDAP = %v, %v; OpenLDAP was expected to ignore the rule (if it now supports it, make InChain the default there)", in, err)
	}
}

// TestCalendarsOfKnownMailboxes: the calendar source answers only for
// mailboxes the directory has, and a directory that cannot be read fails
// the mailbox instead of letting the store answer.
func TestCalendarsOfKnownMailboxes(t *testing.T) {
	t.Parallel()
	store := &calendar.Memory{}
	for _, mb := range []string{"dana@fabrikam.test", "ghost@fabrikam.test"} {
		store.Add(mb, calendar.Event{Start: time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 30, 10, 0, 0, 0, time.UTC), BusyType: calendar.Busy})
	}
	s := startSlapd(t, false)
	src := newDirectory(t, s, ldapdir.Config{}).Calendars(store)
	from, to := time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	if evs, err := src.Events(t.Context(), "dana@fabrikam.test", from, to); err != nil || len(evs) != 1 {
		t.Errorf("Events(dana) = %v, %v; want her item", evs, err)
	}
	for _, call := range []func() error{
		func() error { _, err := src.Events(t.Context(), "ghost@fabrikam.test", from, to); return err },
		func() error { _, err := src.WorkingHours(t.Context(), "ghost@fabrikam.test"); return err },
	} {
		if err := call(); !errors.Is(err, calendar.ErrMailboxNotFound) {
			t.Errorf("a mailbox the store has but the directory does not: %v, want ErrMailboxNotFound", err)
		}
	}
	down := *s
	down.URL = "ldap://" + realparts.Addr(realparts.FreePort(t)) + "/"
	srcDown := newDirectory(t, &down, ldapdir.Config{URL: down.URL}).Calendars(store)
	var ue *fedavail.UnavailableError
	if _, err := srcDown.Events(t.Context(), "dana@fabrikam.test", from, to); !errors.As(err, &ue) {
		t.Errorf("Events with the directory down: %v, want a *fedavail.UnavailableError", err)
	}
}
