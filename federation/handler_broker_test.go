package federation_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
)

// A hung trust broker stalls no request of an internal (Basic-auth) user:
// metadata is fetched in the background, never on the request's path.
func TestHungBrokerDoesNotStallInternalUsers(t *testing.T) {
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	hung := make(chan struct{})
	broker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hung:
		case <-r.Context().Done():
		}
	}))
	defer broker.Close()
	defer close(hung)
	pol, err := sharing.NewLivePolicy(sharing.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := federation.NewHandler(federation.HandlerConfig{
		ApplicationURI: appURI("b.example"), Keys: ring(t, k.fabrikam), Domains: []string{"b.example"},
		Broker: federation.TrustBroker{MetadataURL: broker.URL}, Policy: pol, Calendars: &calendar.Memory{},
		EWSURL: "https://mail.b.example/EWS/Exchange.asmx", HTTPClient: broker.Client(),
		Authenticate: func(r *http.Request) (*fedavail.Requester, error) {
			return &fedavail.Requester{Address: "alice@b.example", Domain: "b.example"}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("../ews/testdata/request-basic.xml")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://mail.b.example/EWS/Exchange.asmx", bytes.NewReader(body))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.SetBasicAuth("alice", "secret")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(start)
		t.Logf("request %d of an internal user with the broker hung: HTTP %d in %s", i, rec.Code, d.Round(time.Millisecond))
		if rec.Code != http.StatusOK || d > 2*time.Second {
			t.Errorf("request %d with the broker hung: HTTP %d after %s; want 200 at once", i, rec.Code, d)
		}
	}
	if st := h.BrokerStatus(); !st.Fetching || st.Fresh || st.IssuerURI != "" {
		t.Errorf("status with the broker hung = %+v; want a fetch in flight, nothing fresh", st)
	}
}

// After a broker key rollover that publishes only the new key, the first
// token signed with it makes the answering side fetch the metadata once,
// instead of refusing every token until its next scheduled refresh.
func TestBrokerRolloverSeenAtFirstToken(t *testing.T) {
	w := newWorld(t)
	w.askDana(t, w.client(t, rel("Fabrikam", "fabrikam.test")))
	before := w.partners["fabrikam.test"].(*federation.Handler).BrokerStatus()

	next, err := fedtest.NewBrokerCert("broker next")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.brokerKeys.Replace(&keyring.Set{Current: keyring.Pair{Cert: next.Cert, Key: next.Key}}); err != nil {
		t.Fatal(err)
	}
	// A new client: no token cached from before the rollover.
	w.askDana(t, w.client(t, rel("Fabrikam", "fabrikam.test")))
	after := w.partners["fabrikam.test"].(*federation.Handler).BrokerStatus()
	if len(after.Certificates) != 1 || !after.Certificates[0].Equal(next.Cert) || !after.Fetched.After(before.Fetched) {
		t.Errorf("after the rollover the partner trusts %d certificates (fetched %s, before %s); want the new one", len(after.Certificates), after.Fetched, before.Fetched)
	}
}

// Every private key of the world is behind crypto.Signer and
// crypto.Decrypter only (hsmKey): the broker signs tokens, Contoso signs its
// token requests, Fabrikam decrypts the tokens, all through them.
func TestKeysBehindSignerAndDecrypter(t *testing.T) {
	w := newWorld(t)
	k := w.k
	before := map[string]int64{"broker signs": hsm(k.broker).signs.Load(), "contoso signs": hsm(k.contoso).signs.Load(), "fabrikam decrypts": hsm(k.fabrikam).decrypts.Load()}
	w.askDana(t, w.client(t, rel("Fabrikam", "fabrikam.test")))
	after := map[string]int64{"broker signs": hsm(k.broker).signs.Load(), "contoso signs": hsm(k.contoso).signs.Load(), "fabrikam decrypts": hsm(k.fabrikam).decrypts.Load()}
	for use, n := range after {
		if n <= before[use] {
			t.Errorf("%s: %d uses before the query, %d after; want more", use, before[use], n)
		}
	}
}
