package admin_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/golden"
	"github.com/fedavail/fedavail/sharing"
)

// TestErrors checks that every bad input gets its kind and a one-line
// message saying what to do.
func TestErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	contoso := w.trusted(t, "contoso.test")
	bare := w.open(t) // no certificate
	untrusted := w.open(t, "fabrikam.test")
	w.Exist("stale.test", "contoso.org")
	w.DNS.AddTXT("stale.test", "AAAA-an-old-proof")
	must(t, contoso.AddRelationship(admin.NewRelationship("Fabrikam", admin.FederationInformation{
		ApplicationURI: appURI("fabrikam.test"), DomainNames: []string{"fabrikam.test"}})))

	// An impostor who publishes its own proof of contoso.test and claims
	// contoso's application URI: the broker refuses its key.
	impostor := w.open(t, "contoso.test")
	w.publish(t, impostor, "contoso.test")

	// A directory whose sharing file cannot be replaced (a directory in its
	// place: refused even to root).
	blocked := w.open(t)
	if err := os.Mkdir(blocked.SharingFile(), 0o700); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		do   func() error
		want error
		msg  string // substring of the message
	}{
		{"trust without certificate", func() error {
			_, err := bare.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "contoso.test"})
			return err
		}, admin.ErrNoCertificate, "run new-cert first"},
		{"proof without certificate", func() error { _, err := bare.DomainProof("contoso.test"); return err }, admin.ErrNoCertificate, "run new-cert first"},
		{"second certificate", func() error {
			_, err := contoso.NewCertificate(ctx, admin.CertificateOptions{})
			return err
		}, admin.ErrCertificateExists, "run rollover to replace it"},
		{"small key", func() error {
			_, err := bare.NewCertificate(ctx, admin.CertificateOptions{Bits: 1024})
			return err
		}, admin.ErrInvalid, "use 2048 bits or more"},
		{"domain add without trust", func() error { return untrusted.AddDomain(ctx, "fabrikam.test") }, admin.ErrNotTrusted, "run trust -broker URL -domain DOMAIN first"},
		{"trust twice", func() error {
			_, err := contoso.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "contoso.test"})
			return err
		}, admin.ErrAlreadyTrusted, "defederate first"},
		{"broker not https", func() error {
			_, err := untrusted.Trust(ctx, admin.TrustOptions{BrokerURL: "http://broker.test", Domain: "fabrikam.test"})
			return err
		}, admin.ErrInvalid, "https://"},
		{"broker unreachable", func() error {
			_, err := untrusted.Trust(ctx, admin.TrustOptions{BrokerURL: "https://127.0.0.1:1", Domain: "fabrikam.test"})
			return err
		}, admin.ErrBrokerUnreachable, "check the broker URL"},
		{"proof missing", func() error {
			_, err := untrusted.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "fabrikam.test"})
			return err
		}, admin.ErrProofMissing, "TXT record for fabrikam.test not found yet: publish fabrikam.test. 3600 IN TXT \""},
		{"stale proof", func() error { return contoso.AddDomain(ctx, "stale.test") }, admin.ErrProofMissing, "replace it: publish stale.test."},
		{"domain unknown to DNS", func() error { return contoso.AddDomain(ctx, "nowhere.test") }, admin.ErrUnknownDomain, "check the spelling"},
		{"not a domain", func() error { return contoso.AddDomain(ctx, "contoso") }, admin.ErrUnknownDomain, "give an SMTP domain"},
		{"trust with a domain over 32 characters", func() error {
			_, err := untrusted.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "a-rather-long-department-name.example.org"})
			return err
		}, admin.ErrInvalid, "federated domains are limited to 32"},
		{"domain add over 32 characters", func() error { return contoso.AddDomain(ctx, "a-rather-long-department-name.example.org") }, admin.ErrInvalid, "has 41 characters"},
		{"unknown registration protocol", func() error {
			_, err := untrusted.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "fabrikam.test", Protocol: "SOAP"})
			return err
		}, admin.ErrInvalid, "unknown registration protocol"},
		{"domain twice", func() error { return contoso.AddDomain(ctx, "contoso.test") }, admin.ErrDomainExists, "already a federated domain"},
		{"remove unknown domain", func() error { return contoso.RemoveDomain(ctx, "contoso.org") }, admin.ErrUnknownDomain, "federated: contoso.test"},
		{"remove the namespace domain", func() error { return contoso.RemoveDomain(ctx, "contoso.test") }, admin.ErrInvalid, "run defederate"},
		{"wrong key at the broker", func() error {
			_, err := impostor.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "contoso.test"})
			return err
		}, admin.ErrWrongKey, "restore the certificate you registered with"},
		{"duplicate relationship name", func() error {
			return contoso.AddRelationship(admin.NewRelationship("fabrikam", admin.FederationInformation{ApplicationURI: "x", DomainNames: []string{"other.test"}}))
		}, admin.ErrRelationshipExists, "use relationship set"},
		{"duplicate relationship domain", func() error {
			return contoso.AddRelationship(admin.NewRelationship("Other", admin.FederationInformation{ApplicationURI: "x", DomainNames: []string{"Fabrikam.test"}}))
		}, admin.ErrRelationshipExists, "a domain can be in one relationship only"},
		{"invalid relationship", func() error {
			return contoso.AddRelationship(admin.NewRelationship("Bad", admin.FederationInformation{DomainNames: []string{"not a domain"}}))
		}, admin.ErrInvalid, "correct the values named"},
		{"set unknown relationship", func() error { return contoso.SetRelationship("Nobody", admin.RelationshipChange{}) }, admin.ErrNoRelationship, `there are "Fabrikam"`},
		{"remove unknown relationship", func() error { return contoso.RemoveRelationship("Nobody") }, admin.ErrNoRelationship, "relationship list"},
		{"file not writable", func() error {
			return blocked.AddRelationship(admin.NewRelationship("X", admin.FederationInformation{DomainNames: []string{"x.test"}}))
		}, admin.ErrStorage, "is writable by you"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q does not say %q", err, tc.msg)
			}
			oneLine(t, err)
		})
	}
	// The refusals changed nothing at the broker.
	if got := w.Registered(appURI("contoso.test")); !cmp.Equal(got, []string{"contoso.test"}) {
		t.Errorf("broker has contoso's domains %v", got)
	}
}

// TestWrongKeyFile: a key file that does not belong to its certificate is
// found when the directory is opened.
func TestWrongKeyFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a, b := w.open(t, "a.test"), w.open(t, "b.test")
	ca, cb := a.Certificates()[0], b.Certificates()[0]
	key, err := os.ReadFile(filepath.Join(b.Dir(), "certs", cb.Thumbprint+".key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a.Dir(), "certs", ca.Thumbprint+".key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = admin.Open(a.Dir(), nil)
	if !errors.Is(err, admin.ErrWrongKey) || strings.Contains(err.Error(), "PRIVATE") {
		t.Fatalf("Open = %v, want ErrWrongKey", err)
	}
	oneLine(t, err)
	fi, err := os.Stat(filepath.Join(b.Dir(), "certs", cb.Thumbprint+".key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}

// TestDefederateResumes: a de-federation stopped by an unreachable broker
// blocks other changes and is finished by running it again.
func TestDefederateResumes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.trusted(t, "contoso.test")
	must(t, o.AddRelationship(admin.NewRelationship("Fabrikam", admin.FederationInformation{DomainNames: []string{"fabrikam.test"}})))
	offline, err := admin.Open(o.Dir(), &admin.Options{HTTPClient: unreachableClient()})
	if err != nil {
		t.Fatal(err)
	}
	if err := offline.Defederate(ctx); !errors.Is(err, admin.ErrBrokerUnreachable) {
		t.Fatalf("offline Defederate = %v", err)
	}
	if rs, _ := o.Relationships(); len(rs) != 0 {
		t.Errorf("relationships kept after the first step: %v", rs)
	}
	if err := o.AddDomain(ctx, "contoso.net"); !errors.Is(err, admin.ErrDefederating) {
		t.Errorf("AddDomain during de-federation = %v", err)
	}
	if w.Registered(appURI("contoso.test")) == nil {
		t.Fatal("registration removed although the broker was unreachable")
	}
	must(t, o.Defederate(ctx))
	if w.Registered(appURI("contoso.test")) != nil {
		t.Error("registration kept")
	}
}

// TestRolloverWithoutTrust switches certificates locally in one call.
func TestRolloverWithoutTrust(t *testing.T) {
	t.Parallel()
	o := newWorld(t).open(t, "a.test")
	before := o.Certificates()[0].Thumbprint
	rollover(t, o, admin.RolloverSwitched)
	got := o.Certificates()
	if len(got) != 2 || got[0].Slot != keyring.Current || got[1].Slot != keyring.Previous || got[1].Thumbprint != before {
		t.Fatalf("certificates after the switch: %+v", got)
	}
	// A reopened directory sees the same slots.
	re, err := admin.Open(o.Dir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, re.Certificates()); diff != "" {
		t.Errorf("reopened (-want +got):\n%s", diff)
	}
	rollover(t, o, admin.RolloverFinished)
}

func TestFormatTrustGolden(t *testing.T) {
	tc := &admin.TrustConfig{
		BrokerURL: "https://broker.example", TokenIssuerMetadataEpr: "https://broker.example/FederationMetadata/2006-12/FederationMetadata.xml",
		TokenIssuerURI: "urn:federation:fedavail", TokenIssuerEpr: "https://broker.example/extSTS.srf",
		TokenIssuerCertificate: "0F0E0D0C0B0A09080706050403020100FFEEDDCC", ApplicationURI: "FYDIBOHF25SPDLT.contoso.com",
		AccountNamespace: "FYDIBOHF25SPDLT.contoso.com", ApplicationIdentifier: "00000000402C7A5F", Domains: []string{"contoso.com", "contoso.net"},
		TokenIssuerPrevCertificate: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	}
	certs := []admin.Certificate{
		{Slot: keyring.Current, Thumbprint: "82E68E80B61290475025A0E9737FECE922D4E8C3", NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Slot: keyring.Next, Thumbprint: "1111111111111111111111111111111111111111"},
	}
	golden.Check(t, "trust-show.golden", []byte(admin.FormatTrust(tc, certs)))
}

// ExampleNewRelationship shows the relationship made from a partner's
// federation information, as relationship list prints it.
func ExampleNewRelationship() {
	r := admin.NewRelationship("Fabrikam", admin.FederationInformation{
		ApplicationURI:        "FYDIBOHF25SPDLT.fabrikam.com",
		DomainNames:           []string{"fabrikam.com"},
		TargetAutodiscoverEpr: "https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity",
	})
	os.Stdout.WriteString(sharing.FormatRelationships([]sharing.OrganizationRelationship{r}))
	// Output:
	// DomainNames           : {fabrikam.com}
	// FreeBusyAccessEnabled : True
	// FreeBusyAccessLevel   : AvailabilityOnly
	// FreeBusyAccessScope   :
	// TargetApplicationUri  : FYDIBOHF25SPDLT.fabrikam.com
	// TargetSharingEpr      :
	// TargetAutodiscoverEpr : https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity
	// Enabled               : True
	// Name                  : Fabrikam
}
