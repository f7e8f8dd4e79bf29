package pgstore_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
)

// roundRobin is a layer-4 load balancer on 127.0.0.1: each connection goes
// to the next backend in turn. It returns its address and the connections
// each backend got.
func roundRobin(t *testing.T, backends ...string) (string, func() []int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]atomic.Int64, len(backends))
	var next atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			i := int(next.Add(1)-1) % len(backends)
			counts[i].Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer in.Close()
				out, err := net.Dial("tcp", backends[i])
				if err != nil {
					return
				}
				defer out.Close()
				done := make(chan struct{}, 2)
				go func() { io.Copy(out, in); done <- struct{}{} }()
				go func() { io.Copy(in, out); done <- struct{}{} }()
				<-done // either side closing ends both
			}()
		}
	}()
	return ln.Addr().String(), func() []int64 {
		out := make([]int64, len(counts))
		for i := range counts {
			out[i] = counts[i].Load()
		}
		return out
	}
}

func newRing(t *testing.T, kp *fedtest.KeyPair) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testFreeBusyThroughRollover: two broker replicas on one PostgreSQL, two
// answering replicas of fabrikam.test, each pair behind a round-robin load
// balancer, and Contoso asking for free/busy without pause (a new client per
// query, so every query fetches metadata and a token) while the brokers roll
// their signing key over replica by replica. No query may fail.
func testFreeBusyThroughRollover(t *testing.T, pool *pgxpool.Pool) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	oldKey, _ := fedtest.NewBrokerCert("broker 1")
	newKey, _ := fedtest.NewBrokerCert("broker 2")
	contoso, _ := fedtest.NewOrgCert("contoso")
	fabrikam, _ := fedtest.NewOrgCert("fabrikam")
	rings := []*keyring.Ring{newRing(t, oldKey), newRing(t, oldKey)}
	brokers := startReplicas(t, pool, ca, rings...)
	if _, err := brokers[0].b.Register(t.Context(), broker.Registration{ApplicationURI: "FYDIBOHF25SPDLT.contoso.test", Domains: []string{"contoso.test"}, Current: contoso.Cert}); err != nil {
		t.Fatal(err)
	}
	if _, err := brokers[1].b.Register(t.Context(), broker.Registration{ApplicationURI: "FYDIBOHF25SPDLT.fabrikam.test", Domains: []string{"fabrikam.test"}, Current: fabrikam.Cert}); err != nil {
		t.Fatal(err)
	}
	for _, r := range brokers {
		waitFor(t, "both replicas to know both organizations", func() bool { return len(r.b.Organizations()) == 2 })
	}

	dial := map[string]string{}
	hc := ca.HTTPClient(dial)
	// A new connection per request, so the load balancers alternate.
	hc.Transport.(*http.Transport).DisableKeepAlives = true
	dial["sts.test:443"], _ = roundRobin(t, addrOf(brokers[0].url), addrOf(brokers[1].url))

	mon := time.Date(2025, 3, 24, 0, 0, 0, 0, time.UTC)
	cal := &calendar.Memory{}
	cal.Add("dana@fabrikam.test", calendar.Event{Start: mon.Add(9 * time.Hour), End: mon.Add(10 * time.Hour), BusyType: calendar.Busy})
	pol, err := sharing.NewLivePolicy(sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{{
		Name: "Contoso", DomainNames: []string{"contoso.test"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
	}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var partners []*federation.Handler
	var partnerAddrs []string
	for range 2 {
		h, err := federation.NewHandler(federation.HandlerConfig{
			ApplicationURI: "FYDIBOHF25SPDLT.fabrikam.test", Keys: newRing(t, fabrikam), Domains: []string{"fabrikam.test"},
			Broker: federation.TrustBroker{MetadataURL: "https://sts.test" + broker.MetadataPath},
			Policy: pol, Calendars: cal, EWSURL: "https://fabrikam.test/EWS/Exchange.asmx", HTTPClient: hc,
		})
		if err != nil {
			t.Fatal(err)
		}
		go h.Run(ctx)
		srv, err := ca.NewTLSServer(h, "fabrikam.test", "autodiscover.fabrikam.test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		partners = append(partners, h)
		partnerAddrs = append(partnerAddrs, srv.Listener.Addr().String())
	}
	lb, partnerConns := roundRobin(t, partnerAddrs...)
	dial["fabrikam.test:443"], dial["autodiscover.fabrikam.test:443"] = lb, lb

	// Contoso asks without pause until stopped.
	var (
		mu       sync.Mutex
		queries  int
		failures []error
	)
	ask := func() error {
		c, err := federation.NewClient(federation.Config{
			ApplicationURI: "FYDIBOHF25SPDLT.contoso.test", Keys: newRing(t, contoso), Domains: []string{"contoso.test"},
			Broker: federation.TrustBroker{MetadataURL: "https://sts.test" + broker.MetadataPath},
			Sharing: sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{{
				Name: "Fabrikam", DomainNames: []string{"fabrikam.test"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
			}}},
			HTTPClient: hc,
		})
		if err != nil {
			return err
		}
		res, err := c.Availability(ctx, federation.Query{From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test"}, Start: mon, End: mon.Add(24 * time.Hour)})
		if err != nil {
			return err
		}
		if a := res.Attendees[0]; a.Err != nil || len(a.Merged) == 0 {
			return a.Err
		}
		return nil
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for ctx.Err() == nil {
			err := ask()
			if ctx.Err() != nil {
				return
			}
			mu.Lock()
			queries++
			if err != nil {
				failures = append(failures, err)
			}
			mu.Unlock()
		}
	}()
	// queriesMore waits for n more queries.
	queriesMore := func(step string, n int) {
		t.Helper()
		mu.Lock()
		target := queries + n
		mu.Unlock()
		waitFor(t, step, func() bool { mu.Lock(); defer mu.Unlock(); return queries >= target })
	}
	next := keyring.Pair{Cert: newKey.Cert, Key: newKey.Key}
	queriesMore("queries before the rollover", 4)
	for _, r := range rings { // stage the next key on every replica
		if err := r.SetNext(next); err != nil {
			t.Fatal(err)
		}
	}
	queriesMore("queries with the next key staged", 4)
	for i, r := range rings { // then switch replica by replica
		if err := r.Promote(); err != nil {
			t.Fatal(err)
		}
		queriesMore("queries after promoting replica "+string(rune('0'+i)), 6)
	}
	for _, r := range rings {
		r.DropPrevious()
	}
	queriesMore("queries after the rollover", 4)
	cancel()
	<-stopped

	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d free/busy queries through the broker key rollover, %d failed; partner replicas got %v connections", queries, len(failures), partnerConns())
	for _, err := range failures {
		t.Errorf("failed query: %v", err)
	}
	for i, h := range partners {
		st := h.BrokerStatus()
		trusted := false
		for _, c := range st.Certificates {
			trusted = trusted || c.Equal(newKey.Cert)
		}
		if !trusted {
			t.Errorf("partner replica %d does not trust the new broker key after the rollover: %+v", i, st)
		}
	}
}

func addrOf(url string) string { return url[len("https://"):] }
