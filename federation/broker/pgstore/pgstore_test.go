package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/broker/pgstore"
	"github.com/fedavail/fedavail/federation/broker/storetest"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/realparts"
)

// TestPostgres runs everything against one real PostgreSQL cluster, a fresh
// database per subtest.
func TestPostgres(t *testing.T) {
	pg := realparts.StartPostgres(t)
	var n atomic.Int64
	newDB := func(t *testing.T) *pgxpool.Pool {
		name := fmt.Sprintf("test%d", n.Add(1))
		// A connection of its own: the fault tests restart the server,
		// which leaves a kept connection dead.
		admin, err := pgx.Connect(t.Context(), pg.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close(context.Background())
		if _, err := admin.Exec(t.Context(), "CREATE DATABASE "+name); err != nil {
			t.Fatal(err)
		}
		return connect(t, strings.Replace(pg.URL, "/postgres?", "/"+name+"?", 1))
	}
	open := func(t *testing.T, pool *pgxpool.Pool) *pgstore.Store {
		s, err := pgstore.New(t.Context(), pool, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("Conformance", func(t *testing.T) {
		storetest.TestStore(t, func(t *testing.T) broker.Store { return open(t, newDB(t)) })
	})
	t.Run("MigrationsOnce", func(t *testing.T) {
		pool := newDB(t)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() { defer wg.Done(); open(t, pool) }()
		}
		wg.Wait()
		var applied int
		migrations, _ := filepath.Glob("migrations/*.sql")
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM fedavail_broker_schema`).Scan(&applied); err != nil || applied != len(migrations) {
			t.Errorf("schema versions recorded: %d, %v; want one per migration, %d", applied, err, len(migrations))
		}
	})
	t.Run("Replay", func(t *testing.T) { testReplay(t, newDB(t)) })
	t.Run("Replicas", func(t *testing.T) { testReplicas(t, newDB(t)) })
	t.Run("FreeBusyThroughBrokerRollover", func(t *testing.T) { testFreeBusyThroughRollover(t, newDB(t)) })
	// Last: these stop the server (and start it again).
	t.Run("DatabaseStopped", func(t *testing.T) { testDatabaseStopped(t, pg, newDB(t)) })
	t.Run("BrokerWithDatabaseStopped", func(t *testing.T) { testBrokerWithDatabaseStopped(t, pg, newDB(t)) })
}

func connect(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// testReplay: two stores on one database are one replay cache.
func testReplay(t *testing.T, pool *pgxpool.Pool) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, err := pgstore.New(t.Context(), pool, &pgstore.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pgstore.New(t.Context(), pool, &pgstore.Options{Now: clock})
	add := func(s *pgstore.Store, key string) bool {
		t.Helper()
		fresh, err := s.Add(t.Context(), []byte(key), now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return fresh
	}
	if !add(a, "sig1") || add(b, "sig1") || add(a, "sig1") {
		t.Error("a signature answered by one store is not refused by the other")
	}
	if !add(b, "sig2") {
		t.Error("another signature refused")
	}
	// After its expiry a key is forgotten (entry replaced, then purged).
	now = now.Add(2 * time.Minute)
	if !add(b, "sig1") {
		t.Error("an expired entry still refuses")
	}
	now = now.Add(2 * time.Minute)
	add(a, "sig3") // purges
	var left int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM fedavail_broker_replay`).Scan(&left); err != nil || left != 1 {
		t.Errorf("%d replay entries after the purge, %v; want 1", left, err)
	}
}

// replica is one broker process on the shared database.
type replica struct {
	b   *broker.Broker
	url string
}

// startReplicas starts one broker replica per signing key ring, each on its
// own TLS server (named sts.test), all on the database behind pool.
func startReplicas(t *testing.T, pool *pgxpool.Pool, ca *fedtest.CA, rings ...*keyring.Ring) []replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	var out []replica
	for _, keys := range rings {
		s, err := pgstore.New(t.Context(), pool, nil)
		if err != nil {
			t.Fatal(err)
		}
		var h http.Handler
		srv, err := ca.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }), "sts.test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		b, err := broker.New(t.Context(), broker.Config{
			URI: "urn:federation:replicas", BaseURL: "https://sts.test", Keys: keys, Store: s, Replay: s,
			Domains: broker.DomainVerifierFunc(func(context.Context, string, *broker.Organization) error { return nil }),
			Refresh: time.Minute, // notifications, not polling, must make the changes visible
		})
		if err != nil {
			t.Fatal(err)
		}
		h = b
		wg.Add(1)
		go func() { defer wg.Done(); _ = b.Run(ctx) }()
		out = append(out, replica{b: b, url: srv.URL})
	}
	return out
}

func testReplicas(t *testing.T, pool *pgxpool.Pool) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	brokerKey, _ := fedtest.NewBrokerCert("broker")
	keys, _ := keyring.New(keyring.Pair{Cert: brokerKey.Cert, Key: brokerKey.Key})
	rs := startReplicas(t, pool, ca, keys, keys)
	client := ca.HTTPClient(nil)

	// Organizations registered through alternating replicas all survive.
	const orgs = 6
	kps := make([]*fedtest.KeyPair, orgs)
	for i := range orgs {
		if kps[i], err = fedtest.NewOrgCert(fmt.Sprintf("org%d", i)); err != nil {
			t.Fatal(err)
		}
		ring, _ := keyring.New(keyring.Pair{Cert: kps[i].Cert, Key: kps[i].Key})
		rc := &broker.RegistrationClient{HTTPClient: client, BaseURL: rs[i%2].url, Keys: ring}
		if _, err := rc.Register(t.Context(), broker.Registration{
			ApplicationURI: fmt.Sprintf("FYDIBOHF25SPDLT.org%d.test", i), Domains: []string{fmt.Sprintf("org%d.test", i)}, Current: kps[i].Cert,
		}); err != nil {
			t.Fatalf("register org%d through replica %d: %v", i, i%2, err)
		}
		// And is changed through the other one at once.
		rc.BaseURL = rs[(i+1)%2].url
		if _, err := rc.Update(t.Context(), broker.Registration{
			ApplicationURI: fmt.Sprintf("FYDIBOHF25SPDLT.org%d.test", i), Domains: []string{fmt.Sprintf("org%d.test", i), fmt.Sprintf("mail.org%d.test", i)}, Current: kps[i].Cert,
		}); err != nil {
			t.Fatalf("update org%d through replica %d: %v", i, (i+1)%2, err)
		}
	}
	for i, r := range rs {
		waitFor(t, fmt.Sprintf("replica %d to see %d organizations with 2 domains", i, orgs), func() bool {
			got := r.b.Organizations()
			for _, o := range got {
				if len(o.Domains) != 2 || o.Version != 2 {
					return false
				}
			}
			return len(got) == orgs
		})
	}

	// Concurrent registrations of one domain through both replicas: exactly one wins.
	contenders := make([]*fedtest.KeyPair, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		contenders[i], _ = fedtest.NewOrgCert(fmt.Sprintf("contender%d", i))
		ring, _ := keyring.New(keyring.Pair{Cert: contenders[i].Cert, Key: contenders[i].Key})
		rc := &broker.RegistrationClient{HTTPClient: client, BaseURL: rs[i].url, Keys: ring}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = rc.Register(t.Context(), broker.Registration{
				ApplicationURI: fmt.Sprintf("FYDIBOHF25SPDLT.contender%d.test", i), Domains: []string{"contested.test"}, Current: contenders[i].Cert,
			})
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Errorf("concurrent claims of one domain: %v and %v; want exactly one winner", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, broker.ErrDomainTaken) {
			t.Errorf("losing claim: %v, want ErrDomainTaken", err)
		}
	}

	// A token request answered by one replica is refused by the other.
	wc := &wstrust.Client{HTTPClient: client, Endpoint: "https://sts.test" + broker.TokenPath, IssuerURI: "urn:federation:replicas",
		ApplicationURI: "FYDIBOHF25SPDLT.org0.test", MaxAttempts: 1}
	rst, err := wc.NewRequest(fedavail.TokenRequest{Requester: "alice@org0.test", Audience: "FYDIBOHF25SPDLT.org1.test", Offer: fedavail.OfferFreeBusy}).
		Marshal(wstrust.Signing{Key: kps[0].Key, SKI: kps[0].SKI()})
	if err != nil {
		t.Fatal(err)
	}
	if err := postRST(client, rs[0].url, rst); err != nil {
		t.Fatalf("token request: %v", err)
	}
	err = postRST(client, rs[1].url, rst)
	var f *fedavail.Fault
	if !errors.As(err, &f) || !strings.Contains(f.Reason, "replayed") {
		t.Errorf("token request replayed to the other replica: %v, want refused as replayed", err)
	}
}

func postRST(c *http.Client, base string, rst []byte) error {
	resp, err := c.Post(base+broker.TokenPath, "application/soap+xml; charset=utf-8", strings.NewReader(string(rst)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	_, err = wstrust.ParseResponse(body, xmlLimits)
	return err
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testDatabaseStopped: while PostgreSQL is down, writes fail with a clear
// error, the broker is not ready, and tokens are still issued from the
// registrations it holds; once it is back, everything works without a restart.
func testDatabaseStopped(t *testing.T, pg *realparts.Postgres, pool *pgxpool.Pool) {
	s, err := pgstore.New(t.Context(), pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), storetest.Org("urn:a", "a.test")); err != nil {
		t.Fatal(err)
	}
	pg.Stop(t)
	restarted := false
	defer func() {
		if !restarted {
			pg.Start(t)
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := s.Put(ctx, storetest.Org("urn:b", "b.test")); err == nil || !strings.HasPrefix(err.Error(), "pgstore: put urn:b: ") {
		t.Errorf("Put while the database is down: %v, want a pgstore: put error", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping while the database is down succeeded")
	}
	if _, err := s.Add(ctx, []byte("sig"), time.Now().Add(time.Minute)); err == nil {
		t.Error("replay check while the database is down succeeded (it must refuse, not guess)")
	}
	pg.Start(t)
	restarted = true
	waitFor(t, "the store to answer again", func() bool { return s.Ping(t.Context()) == nil })
	if _, err := s.Put(t.Context(), storetest.Org("urn:b", "b.test")); err != nil {
		t.Errorf("Put after the database is back: %v", err)
	}
	if orgs, err := s.List(t.Context()); err != nil || len(orgs) != 2 {
		t.Errorf("List after the database is back: %d organizations, %v; want 2", len(orgs), err)
	}
}

// testBrokerWithDatabaseStopped: a broker replica whose database stops
// keeps publishing metadata, refuses registrations (503, retry later) and
// token requests rather than skip the shared replay check, reports not
// ready, and recovers without a restart when the database is back.
func testBrokerWithDatabaseStopped(t *testing.T, pg *realparts.Postgres, pool *pgxpool.Pool) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	brokerKey, _ := fedtest.NewBrokerCert("broker")
	orgs := make([]*fedtest.KeyPair, 3)
	for i := range orgs {
		orgs[i], _ = fedtest.NewOrgCert(fmt.Sprintf("org%d", i))
	}
	r := startReplicas(t, pool, ca, newRing(t, brokerKey))[0]
	client := ca.HTTPClient(nil)
	register := func(i int) error {
		ring, _ := keyring.New(keyring.Pair{Cert: orgs[i].Cert, Key: orgs[i].Key})
		rc := &broker.RegistrationClient{HTTPClient: client, BaseURL: r.url, Keys: ring}
		_, err := rc.Register(t.Context(), broker.Registration{
			ApplicationURI: fmt.Sprintf("FYDIBOHF25SPDLT.org%d.test", i), Domains: []string{fmt.Sprintf("org%d.test", i)}, Current: orgs[i].Cert,
		})
		return err
	}
	token := func() error {
		wc := &wstrust.Client{HTTPClient: client, Endpoint: "https://sts.test" + broker.TokenPath, IssuerURI: "urn:federation:replicas",
			ApplicationURI: "FYDIBOHF25SPDLT.org0.test", MaxAttempts: 1}
		rst, err := wc.NewRequest(fedavail.TokenRequest{Requester: "alice@org0.test", Audience: "FYDIBOHF25SPDLT.org1.test", Offer: fedavail.OfferFreeBusy}).
			Marshal(wstrust.Signing{Key: orgs[0].Key, SKI: orgs[0].SKI()})
		if err != nil {
			t.Fatal(err)
		}
		return postRST(client, r.url, rst)
	}
	for i := range 2 {
		if err := register(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := token(); err != nil {
		t.Fatalf("token before the outage: %v", err)
	}

	pg.Stop(t)
	restarted := false
	defer func() {
		if !restarted {
			pg.Start(t)
		}
	}()
	if resp, err := client.Get(r.url + broker.MetadataPath); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("metadata with the database stopped: %v, %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}
	var he *fedavail.HTTPError
	if err := register(2); !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "retry later") {
		t.Errorf("registration with the database stopped: %v; want HTTP 503, retry later", err)
	}
	// The operator's API says what is wrong.
	if _, err := r.b.Register(t.Context(), broker.Registration{ApplicationURI: "FYDIBOHF25SPDLT.org2.test", Domains: []string{"org2.test"}, Current: orgs[2].Cert}); err == nil || !strings.HasPrefix(err.Error(), "pgstore: get FYDIBOHF25SPDLT.org2.test: ") {
		t.Errorf("Register with the database stopped: %v; want the store's error", err)
	}
	var f *fedavail.Fault
	if err := token(); !errors.As(err, &f) || f.Code != "Receiver" || !strings.Contains(f.Reason, "replay") {
		t.Errorf("token request with the database stopped: %v; want a Receiver fault (the replay check cannot be made)", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := r.b.Ready(ctx); err == nil {
		t.Error("broker ready with its database stopped")
	}

	pg.Start(t)
	restarted = true
	waitFor(t, "the broker to be ready again", func() bool { return r.b.Ready(t.Context()) == nil })
	if err := register(2); err != nil {
		t.Errorf("registration after the database is back: %v", err)
	}
	if err := token(); err != nil {
		t.Errorf("token after the database is back: %v", err)
	}
}
