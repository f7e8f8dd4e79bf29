package federation_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/tls"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
)

// keys are generated once per test binary: RSA keys are slow.
var keys = sync.OnceValues(func() (*testKeys, error) {
	var k testKeys
	var err error
	if k.ca, err = fedtest.NewCA(); err != nil {
		return nil, err
	}
	for _, p := range []**fedtest.KeyPair{&k.contoso, &k.fabrikam, &k.woodgrove} {
		if *p, err = fedtest.NewOrgCert("org"); err != nil {
			return nil, err
		}
	}
	if k.broker, err = fedtest.NewBrokerCert("broker"); err != nil {
		return nil, err
	}
	// One TLS certificate for every server of every world.
	if k.server, err = k.ca.Issue(append(slices.Clone(serverNames), "127.0.0.1")...); err != nil {
		return nil, err
	}
	if k.client, err = k.ca.Issue("contoso.test"); err != nil {
		return nil, err
	}
	return &k, nil
})

type testKeys struct {
	ca                           *fedtest.CA
	contoso, fabrikam, woodgrove *fedtest.KeyPair
	broker                       *fedtest.KeyPair
	// server is the TLS certificate of the world's servers; client is
	// contoso.test's TLS client certificate, both from ca.
	server, client *fedtest.KeyPair
}

// hsmKey is a private key that never leaves its device: it offers only
// crypto.Signer and crypto.Decrypter, as an HSM or cloud KMS key does, and
// counts its uses. The fixture's rings hold such keys, so every test of this
// package runs the organizations' and the broker's keys through those
// interfaces (the other packages' tests use file keys, the default).
type hsmKey struct {
	k               *rsa.PrivateKey
	signs, decrypts atomic.Int64
}

func (h *hsmKey) Public() crypto.PublicKey { return h.k.Public() }

func (h *hsmKey) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	h.signs.Add(1)
	return h.k.Sign(r, digest, opts)
}

func (h *hsmKey) Decrypt(r io.Reader, msg []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	h.decrypts.Add(1)
	return h.k.Decrypt(r, msg, opts)
}

// hsmKeys holds one hsmKey per key pair, so tests can see their use.
var hsmKeys sync.Map // *fedtest.KeyPair → *hsmKey

func hsm(kp *fedtest.KeyPair) *hsmKey {
	k, _ := hsmKeys.LoadOrStore(kp, &hsmKey{k: kp.Key})
	return k.(*hsmKey)
}

// ring returns a key ring holding kp, its key behind crypto.Signer (hsmKey).
func ring(t testing.TB, kp *fedtest.KeyPair) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: hsm(kp)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// serverNames are the host names of the world's servers.
var serverNames = []string{
	"sts.test",
	"autodiscover.fabrikam.test", "mail.fabrikam.test",
	"autodiscover.woodgrove.test", "mail.woodgrove.test",
	"autodiscover.tailspin.test", "mail.tailspin.test",
	"autodiscover.northwind.test",
}

const brokerURI = "urn:federation:test"

// world is a trust broker and partner organizations on loopback, reached by
// name through one HTTP client:
//
//   - fabrikam.test: federated, shows contoso.test LimitedDetails; dana opted in;
//   - woodgrove.test: federated, but has no relationship with contoso.test;
//   - tailspin.test: federated through another broker;
//   - northwind.test: Autodiscover answers NotFederated.
type world struct {
	k    *testKeys
	hc   *http.Client
	week time.Time

	mu    sync.Mutex
	dial  map[string]string
	count map[string]int // "host path" → requests
	// partners are the partner organizations' handlers, by domain.
	partners map[string]http.Handler
	// onRequest, if set, sees every request before it is served.
	onRequest func(*http.Request)
	// brokerKeys are the broker's signing keys, for rollovers.
	brokerKeys *keyring.Ring
}

func newWorld(t *testing.T) *world {
	t.Helper()
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{k: k, dial: map[string]string{}, count: map[string]int{}, partners: map[string]http.Handler{}, week: time.Date(2025, 3, 24, 0, 0, 0, 0, time.UTC)}
	w.hc = k.ca.HTTPClient(nil)
	w.hc.Transport.(*http.Transport).DialContext = w.dialContext
	t.Cleanup(w.hc.CloseIdleConnections)

	w.brokerKeys = ring(t, k.broker)
	b, err := broker.New(context.Background(), broker.Config{
		URI: brokerURI, BaseURL: "https://sts.test", Keys: w.brokerKeys, Store: &broker.MemoryStore{},
		Domains: broker.DomainVerifierFunc(func(context.Context, string, *broker.Organization) error { return nil }),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.serve(t, b, "sts.test")
	for _, o := range []struct {
		domain string
		kp     *fedtest.KeyPair
	}{{"contoso.test", k.contoso}, {"fabrikam.test", k.fabrikam}, {"woodgrove.test", k.woodgrove}} {
		if _, err := b.Register(context.Background(), broker.Registration{ApplicationURI: appURI(o.domain), Domains: []string{o.domain}, Current: o.kp.Cert}); err != nil {
			t.Fatal(err)
		}
	}

	cal := &calendar.Memory{}
	mon := w.week
	cal.Add("dana@fabrikam.test",
		calendar.Event{Start: mon.Add(9 * time.Hour), End: mon.Add(10 * time.Hour), BusyType: calendar.Busy, Subject: "Review", Location: "Room 1"},
		calendar.Event{Start: mon.Add(13 * time.Hour), End: mon.Add(14 * time.Hour), BusyType: calendar.Busy, Subject: "Doctor", IsPrivate: true})
	cal.Add("erin@fabrikam.test", calendar.Event{Start: mon.Add(11 * time.Hour), End: mon.Add(12 * time.Hour), BusyType: calendar.OOF, Subject: "Away"})
	cal.Add("gil@woodgrove.test", calendar.Event{Start: mon.Add(9 * time.Hour), End: mon.Add(10 * time.Hour), BusyType: calendar.Busy})

	toContoso := sharing.OrganizationRelationship{Name: "Contoso", DomainNames: []string{"contoso.test"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessLimitedDetails}
	partner := func(domain string, kp *fedtest.KeyPair, tb federation.TrustBroker, rels ...sharing.OrganizationRelationship) {
		pol, err := sharing.NewLivePolicy(sharing.Config{
			OrganizationRelationships: rels,
			Mailboxes:                 []sharing.Mailbox{{Address: "dana@fabrikam.test", CalendarPermission: sharing.PermissionLimitedDetails}},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := federation.NewHandler(federation.HandlerConfig{
			ApplicationURI: appURI(domain), Keys: ring(t, kp), Domains: []string{domain}, Broker: tb,
			Policy: pol, Calendars: cal, EWSURL: "https://mail." + domain + "/EWS/Exchange.asmx", HTTPClient: w.hc,
		})
		if err != nil {
			t.Fatal(err)
		}
		w.partners[domain] = h
		w.serve(t, h, "autodiscover."+domain, "mail."+domain)
	}
	ours := federation.TrustBroker{MetadataURL: "https://sts.test" + broker.MetadataPath}
	partner("fabrikam.test", k.fabrikam, ours, toContoso)
	partner("woodgrove.test", k.woodgrove, ours)
	partner("tailspin.test", k.fabrikam, federation.TrustBroker{IssuerURI: "urn:federation:other", TokenEndpoint: "https://sts.other.test/extSTS.srf", Certificates: nil})
	w.serve(t, &autodiscover.Handler{}, "autodiscover.northwind.test") // no ApplicationURI: NotFederated
	return w
}

func appURI(domain string) string { return "FYDIBOHF25SPDLT." + domain }

// serve starts h for hosts and counts its requests.
func (w *world) serve(t *testing.T, h http.Handler, hosts ...string) {
	t.Helper()
	w.serveTLS(t, h, nil, hosts...)
}

// serveTLS is serve with the server's TLS configuration changed by tune,
// say to an old protocol version or to require client certificates. The
// hosts are reached at the new server from then on.
func (w *world) serveTLS(t *testing.T, h http.Handler, tune func(*tls.Config), hosts ...string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.count[r.Host+" "+strings.ToLower(r.URL.Path)]++
		onRequest := w.onRequest
		w.mu.Unlock()
		if onRequest != nil {
			onRequest(r)
		}
		h.ServeHTTP(rw, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{w.k.server.TLSCertificate()}, MinVersion: tls.VersionTLS12}
	if tune != nil {
		tune(srv.TLS)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, h := range hosts {
		if !slices.Contains(serverNames, h) {
			t.Fatalf("%s is not in serverNames", h)
		}
		w.dial[h+":443"] = srv.Listener.Addr().String()
	}
}

func (w *world) requests(hostPath string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count[hostPath]
}

// client returns contoso.test's client with the given relationships.
func (w *world) client(t *testing.T, rels ...sharing.OrganizationRelationship) *federation.Client {
	t.Helper()
	c, err := federation.NewClient(w.config(t, rels...))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// config is contoso.test's client configuration, sending everything
// through the world's HTTP client; tests that build their own transport
// clear HTTPClient and set Transport.
func (w *world) config(t *testing.T, rels ...sharing.OrganizationRelationship) federation.Config {
	t.Helper()
	return federation.Config{
		ApplicationURI: appURI("contoso.test"),
		Keys:           ring(t, w.k.contoso),
		Domains:        []string{"contoso.test"},
		Broker:         federation.TrustBroker{MetadataURL: "https://sts.test" + broker.MetadataPath},
		Sharing:        sharing.Config{OrganizationRelationships: rels},
		HTTPClient:     w.hc,
	}
}

// askDana asks c about dana@fabrikam.test for a day and fails the test
// unless merged free/busy came back.
func (w *world) askDana(t *testing.T, c *federation.Client) federation.Attendee {
	t.Helper()
	res, err := c.Availability(context.Background(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test"}, Start: w.week, End: w.week.Add(24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Attendees[0]
	if a.Err != nil || len(a.Merged) == 0 {
		t.Fatalf("dana: err %v, %d slots", a.Err, len(a.Merged))
	}
	return a
}

// dialContext connects to the world's servers by name, wherever they are
// served at the time.
func (w *world) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	w.mu.Lock()
	to, ok := w.dial[addr]
	w.mu.Unlock()
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

// dialMap returns a copy of the world's host:443 → 127.0.0.1:port map.
func (w *world) dialMap() map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.dial)
}

// rel is a relationship of contoso.test for domains, as the zero-knowledge
// case: free/busy enabled, nothing else known.
func rel(name string, domains ...string) sharing.OrganizationRelationship {
	return sharing.OrganizationRelationship{Name: name, DomainNames: domains, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly}
}
