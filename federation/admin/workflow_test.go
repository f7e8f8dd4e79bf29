package admin_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/sharing"
)

// TestWorkflow walks the administrator's workflow for two organizations,
// contoso (contoso.test, contoso.net) and fabrikam (fabrikam.test),
// against the embedded broker and the DNS server: certificates, trust,
// proofs, domains, relationships both ways from each other's federation
// information, free/busy queries between their servers (federation.NewClient
// asking federation.NewHandler over TLS, both configured from the state
// directories), a rollover of both with queries running throughout, and
// de-federation, after which the broker refuses the queries' tokens. It
// runs with each organization registering through the broker's own API,
// through ManageDelegation2 (Exchange's calls, in Exchange's order), and
// one of each: either way both end up in the broker's one registry.
func TestWorkflow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		contoso, fabrikam admin.Protocol
	}{
		{"registration API", admin.ProtocolFedavail, admin.ProtocolFedavail},
		{"ManageDelegation2", admin.ProtocolManageDelegation2, admin.ProtocolManageDelegation2},
		{"mixed", admin.ProtocolManageDelegation2, admin.ProtocolFedavail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			workflow(t, map[string]admin.Protocol{"contoso.test": tc.contoso, "fabrikam.test": tc.fabrikam})
		})
	}
}

func workflow(t *testing.T, protocol map[string]admin.Protocol) {
	w := newWorld(t)
	ctx := context.Background()
	contoso := w.open(t, "contoso.test", "contoso.net")
	fabrikam := w.open(t, "fabrikam.test")

	// Trust is refused until the first domain's proof is published.
	_, err := contoso.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "contoso.test", Protocol: protocol["contoso.test"]})
	if !errors.Is(err, admin.ErrProofMissing) || !strings.Contains(err.Error(), "TXT record for contoso.test not found yet: publish contoso.test. 3600 IN TXT \"") {
		t.Fatalf("Trust before the proof = %v", err)
	}
	oneLine(t, err)
	for o, d := range map[*admin.Org]string{contoso: "contoso.test", fabrikam: "fabrikam.test"} {
		w.publish(t, o, d)
		tc, err := o.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: d, Protocol: protocol[d]})
		if err != nil {
			t.Fatalf("Trust %s: %v", d, err)
		}
		if tc.ApplicationURI != appURI(d) || tc.AccountNamespace != appURI(d) || len(tc.ApplicationIdentifier) != 16 ||
			tc.TokenIssuerURI != brokerURI || tc.TokenIssuerEpr != w.URL+"/extSTS.srf" {
			t.Errorf("trust of %s = %+v", d, tc)
		}
	}

	// A second domain, refused before its own proof is published.
	if err := contoso.AddDomain(ctx, "contoso.net"); !errors.Is(err, admin.ErrProofMissing) {
		t.Fatalf("AddDomain before the proof = %v", err)
	}
	w.publish(t, contoso, "contoso.net")
	must(t, contoso.AddDomain(ctx, "contoso.net"))
	if got := w.Registered(appURI("contoso.test")); !slices.Equal(got, []string{"contoso.test", "contoso.net"}) {
		t.Errorf("broker has contoso's domains %v", got)
	}
	if got := w.Broker.Organizations(); len(got) != 2 {
		t.Errorf("the broker's registry holds %d organizations, want both", len(got))
	}
	// Over ManageDelegation2 users are named as on-premises Exchange names
	// them (ImmutableID); the queries below go through the broker with it.
	if cfg, err := contoso.ClientConfig(); err != nil || (cfg.Identity != nil) != (protocol["contoso.test"] == admin.ProtocolManageDelegation2) {
		t.Errorf("contoso's client identity: %v, protocol %q", err, protocol["contoso.test"])
	} else if cfg.Identity != nil && cfg.Identity("alice@contoso.test").Format != wstrust.NameIDFormatImmutableID {
		t.Errorf("identity %+v", cfg.Identity("alice@contoso.test"))
	}

	// Each organization answers partners at autodiscover.DOMAIN and
	// mail.DOMAIN; bob and carol have a meeting on the day asked about.
	day := w.Now().UTC().Truncate(24 * time.Hour)
	meeting := calendar.Event{Start: day.Add(10 * time.Hour), End: day.Add(11 * time.Hour), BusyType: calendar.Busy, Subject: "Budget"}
	contosoStore := serve(t, w, contoso, "contoso.test", map[string]calendar.Event{"carol@contoso.net": meeting}, "contoso.net")
	fabrikamStore := serve(t, w, fabrikam, "fabrikam.test", map[string]calendar.Event{"bob@fabrikam.test": meeting})

	// Relationships both ways, from each other's federation information
	// (Get-FederationInformation | New-OrganizationRelationship).
	relate(t, contoso, "Fabrikam", "fabrikam.test", contosoStore)
	relate(t, fabrikam, "Contoso", "contoso.net", fabrikamStore)
	rs, err := fabrikam.Relationships()
	if err != nil {
		t.Fatal(err)
	}
	want := []sharing.OrganizationRelationship{{
		Name: "Contoso", DomainNames: []string{"contoso.test", "contoso.net"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
		TargetApplicationURI:  appURI("contoso.test"),
		TargetAutodiscoverEpr: "https://autodiscover.contoso.net/autodiscover/autodiscover.svc/WSSecurity",
	}}
	if diff := cmp.Diff(want, rs); diff != "" {
		t.Errorf("fabrikam's relationships (-want +got):\n%s", diff)
	}

	// Free/busy both ways, time only (AvailabilityOnly).
	asks := []*asking{
		newAsking(t, contoso, "alice@contoso.test", "bob@fabrikam.test", day),
		newAsking(t, fabrikam, "dave@fabrikam.test", "carol@contoso.net", day),
	}
	for _, a := range asks {
		if err := a.ask(ctx); err != nil {
			t.Fatalf("%s asking about %s: %v", a.from, a.attendee, err)
		}
	}

	// Rollover of both organizations while both ask without pause. After
	// each step, time passes beyond a free/busy token's life (between two
	// requests), so that every step is crossed by tokens issued in it,
	// signed with the key and encrypted to the certificate of the moment.
	load := startLoad(t, asks)
	step := func() {
		load.settle(t)
		load.pause(func() { w.Advance(fedavail.OfferFreeBusy.MaxAge()) })
		load.settle(t)
	}
	for _, o := range []*admin.Org{contoso, fabrikam} {
		tc, err := o.TrustConfig()
		if err != nil {
			t.Fatal(err)
		}
		rollover(t, o, admin.RolloverNextInstalled)
		step()
		// Switching before the next proof is published is refused.
		if _, err := o.Rollover(ctx, admin.CertificateOptions{}); !errors.Is(err, admin.ErrProofMissing) {
			t.Errorf("switch before publishing = %v", err)
		}
		for _, d := range tc.Domains {
			w.publish(t, o, d)
		}
		rollover(t, o, admin.RolloverSwitched)
		step()
	}
	// Finish once the tokens issued before the switch have expired, as
	// RolloverSwitched says (8 hours at most).
	load.pause(func() { w.Advance(fedavail.OfferAutodiscover.MaxAge() + time.Minute) })
	for _, o := range []*admin.Org{contoso, fabrikam} {
		rollover(t, o, admin.RolloverFinished)
		step()
	}
	counts := load.stop()
	for i, a := range asks {
		if counts[i].failed > 0 {
			t.Errorf("%s → %s: %d of %d queries failed during the rollover, first: %v", a.from, a.attendee, counts[i].failed, counts[i].total, counts[i].first)
		}
		t.Logf("%s → %s: %d queries during the rollover, %d failed", a.from, a.attendee, counts[i].total, counts[i].failed)
	}
	if c := contoso.Certificates(); len(c) != 1 {
		t.Errorf("after the rollover contoso has %d certificates, want 1", len(c))
	}

	// De-federation of contoso: relationships, registration and trust go.
	must(t, contoso.Defederate(ctx))
	if rs, err := contoso.Relationships(); err != nil || len(rs) != 0 {
		t.Errorf("relationships after Defederate: %v %v", rs, err)
	}
	if got := w.Registered(appURI("contoso.test")); got != nil {
		t.Errorf("broker still has contoso: %v", got)
	}
	if _, err := contoso.ClientConfig(); !errors.Is(err, admin.ErrNotTrusted) {
		t.Errorf("ClientConfig after Defederate = %v, want ErrNotTrusted", err)
	}
	// Once the free/busy tokens issued before have expired, the broker
	// refuses the tokens, whichever side asks: contoso's running client
	// (its certificate is no longer registered) and fabrikam (contoso is
	// no longer an audience).
	w.Advance(fedavail.OfferFreeBusy.MaxAge() + time.Minute)
	for i, subcode := range []string{"FailedAuthentication", "InvalidRequest"} {
		a := asks[i]
		err := a.ask(ctx)
		var ae *federation.AttendeeError
		var f *fedavail.Fault
		if !errors.As(err, &ae) || ae.Step != federation.StepToken || !errors.As(err, &f) || f.Code != "Sender" || !slices.Contains(f.Subcodes, subcode) {
			t.Errorf("%s asking about %s after de-federation: %v; want a token-step refusal, Sender fault %s", a.from, a.attendee, err, subcode)
		}
		if errors.Is(err, federation.ErrRefused) || !errors.Is(err, federation.ErrBrokerRefused) {
			t.Errorf("%s: errors.Is(ErrRefused)=%v, errors.Is(ErrBrokerRefused)=%v; want false, true: %v",
				a.from, errors.Is(err, federation.ErrRefused), errors.Is(err, federation.ErrBrokerRefused), err)
		}
	}
	if err := contoso.Defederate(ctx); !errors.Is(err, admin.ErrNotTrusted) {
		t.Errorf("second Defederate = %v, want ErrNotTrusted (nothing to do)", err)
	}
}

// serve starts o's federation.NewHandler, configured from its state
// directory, at autodiscover.D and mail.D for its domains D, with a
// calendar holding events, and returns the sharing store it decides with.
func serve(t *testing.T, w *world, o *admin.Org, domain string, events map[string]calendar.Event, more ...string) *sharing.LivePolicy {
	t.Helper()
	cfg, err := o.HandlerConfig()
	if err != nil {
		t.Fatal(err)
	}
	cal := &calendar.Memory{}
	for mailbox, e := range events {
		cal.Add(mailbox, e)
	}
	store := cfg.Policy.(*sharing.LivePolicy)
	cfg.Calendars, cfg.EWSURL = cal, "https://mail."+domain+"/EWS/Exchange.asmx"
	h, err := federation.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, d := range append([]string{domain}, more...) {
		hosts = append(hosts, "autodiscover."+d, "mail."+d)
	}
	w.Serve(h, hosts...)
	return store
}

// relate makes o's relationship with the partner at domain from its
// federation information, and has o's server read it.
func relate(t *testing.T, o *admin.Org, name, domain string, store *sharing.LivePolicy) {
	t.Helper()
	fi, err := o.FederationInformation(context.Background(), domain)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := o.TrustConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !fi.AcceptsIssuer(tc.TokenIssuerURI) {
		t.Errorf("%s does not accept our broker: %v", domain, fi.TokenIssuerURIs)
	}
	must(t, o.AddRelationship(admin.NewRelationship(name, fi)))
	must(t, store.ReloadFile(o.SharingFile()))
}

// asking is one user's free/busy question to a partner, through a client
// configured from the organization's state directory.
type asking struct {
	client         *federation.Client
	from, attendee string
	day            time.Time
}

func newAsking(t *testing.T, o *admin.Org, from, attendee string, day time.Time) *asking {
	t.Helper()
	cfg, err := o.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	c, err := federation.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &asking{client: c, from: from, attendee: attendee, day: day}
}

// ask asks about the attendee's day and checks the answer: the 10:00
// meeting, busy, without its subject (AvailabilityOnly).
func (a *asking) ask(ctx context.Context) error {
	res, err := a.client.Availability(ctx, federation.Query{From: a.from, Attendees: []string{a.attendee}, Start: a.day, End: a.day.Add(24 * time.Hour)})
	if err != nil {
		return err
	}
	at := res.Attendees[0]
	if at.Err != nil {
		return at.Err
	}
	want := []ews.Event{{Start: a.day.Add(10 * time.Hour), End: a.day.Add(11 * time.Hour), BusyType: ews.Busy}}
	if at.View.Detailed() || !cmp.Equal(want, at.Events, cmp.Comparer(time.Time.Equal)) {
		return fmt.Errorf("view %s, events %+v; want %+v without details", at.View, at.Events, want)
	}
	return nil
}

// load runs each asking in a loop of its own until stopped.
type load struct {
	gate   sync.RWMutex // held for reading by every query; pause holds it
	stopCh chan struct{}
	wg     sync.WaitGroup
	rounds []atomic.Int64
	counts []count
}

// count is one asking's tally; written by its goroutine only.
type count struct {
	total, failed int
	first         error
}

// maxRounds bounds each loop; settle needs only a few rounds per step.
const maxRounds = 20000

func startLoad(t *testing.T, asks []*asking) *load {
	l := &load{stopCh: make(chan struct{}), rounds: make([]atomic.Int64, len(asks)), counts: make([]count, len(asks))}
	ctx := t.Context()
	for i, a := range asks {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; n < maxRounds; n++ {
				select {
				case <-l.stopCh:
					return
				default:
				}
				l.gate.RLock()
				err := a.ask(ctx)
				l.gate.RUnlock()
				c := &l.counts[i]
				c.total++
				if err != nil {
					c.failed++
					if c.first == nil {
						c.first = err
					}
				}
				l.rounds[i].Add(1)
			}
		}()
	}
	return l
}

// settle returns once every loop has finished two queries begun after it
// was called, so that each step of the rollover is crossed by queries.
func (l *load) settle(t *testing.T) {
	t.Helper()
	want := make([]int64, len(l.rounds))
	for i := range l.rounds {
		want[i] = l.rounds[i].Load() + 2
	}
	// Bounded: a stuck loop fails the test instead of hanging it.
	for tries := 0; tries < 30000; tries++ {
		done := true
		for i := range l.rounds {
			done = done && l.rounds[i].Load() >= want[i]
		}
		if done {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the query loops made no progress")
}

// pause runs f while no query is in flight.
func (l *load) pause(f func()) {
	l.gate.Lock()
	defer l.gate.Unlock()
	f()
}

// stop ends the loops and returns their tallies.
func (l *load) stop() []count {
	close(l.stopCh)
	l.wg.Wait()
	return l.counts
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func rollover(t *testing.T, o *admin.Org, want admin.RolloverStage) {
	t.Helper()
	got, err := o.Rollover(context.Background(), admin.CertificateOptions{})
	if err != nil || got != want {
		t.Fatalf("Rollover = %v, %v; want %v", got, err, want)
	}
}

// TestLegacyAppIDProof federates a domain proven only by the legacy
// "AppID=<AppId>" record (seed 002), over both registration protocols.
func TestLegacyAppIDProof(t *testing.T) {
	t.Parallel()
	for _, p := range []admin.Protocol{admin.ProtocolFedavail, admin.ProtocolManageDelegation2} {
		t.Run("protocol="+string(p), func(t *testing.T) {
			w := newWorld(t)
			o := w.open(t, "contoso.test", "legacy.test")
			w.publish(t, o, "contoso.test")
			tc, err := o.Trust(t.Context(), admin.TrustOptions{BrokerURL: w.URL, Domain: "contoso.test", Protocol: p})
			if err != nil {
				t.Fatal(err)
			}
			if err := o.AddDomain(t.Context(), "legacy.test"); !errors.Is(err, admin.ErrProofMissing) {
				t.Fatalf("AddDomain without any record = %v", err)
			}
			w.DNS.AddTXT("legacy.test", dnsproof.AppIDRecord(tc.ApplicationIdentifier))
			must(t, o.AddDomain(t.Context(), "legacy.test"))
			if got := w.Registered(appURI("contoso.test")); !slices.Contains(got, "legacy.test") {
				t.Errorf("broker has %v", got)
			}
		})
	}
}
