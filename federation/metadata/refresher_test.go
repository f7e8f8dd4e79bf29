package metadata_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/fedtest"
)

// server serves the rendered metadata, or a 503 while broken is set.
func server(t *testing.T, m *metadata.Metadata, broken *atomic.Bool) *httptest.Server {
	t.Helper()
	doc, err := metadata.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRefresherFeedsValidator wires a Refresher, as the BrokerTrust, into a
// token.Validator: tokens from the published broker validate, and keep
// validating while the metadata server is down.
func TestRefresherFeedsValidator(t *testing.T) {
	broker, err := fedtest.NewBrokerCert("test STS signing")
	if err != nil {
		t.Fatal(err)
	}
	org, err := fedtest.NewOrgCert("fabrikam federation")
	if err != nil {
		t.Fatal(err)
	}
	var broken atomic.Bool
	srv := server(t, &metadata.Metadata{
		IssuerURI: "urn:federation:fedavail-test", Certs: []*x509.Certificate{broker.Cert},
		TokenEndpoint: "https://sts.example/extSTS.srf", RedirectEndpoint: "https://sts.example/",
	}, &broken)
	r, err := metadata.NewRefresher(metadata.RefresherConfig{URL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	orgRing, _ := keyring.New(keyring.Pair{Cert: org.Cert, Key: org.Key})
	v, err := token.NewValidator(token.ValidatorConfig{ApplicationURI: "fabrikam.example", Keys: orgRing, Trust: r, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	brokerRing, _ := keyring.New(keyring.Pair{Cert: broker.Cert, Key: broker.Key})
	iss := &token.Issuer{URI: "urn:federation:fedavail-test", Keys: brokerRing}
	tok, err := iss.Issue(token.Claims{Audience: "fabrikam.example", NameID: "id", EmailAddress: "a@contoso.example", Offer: fedavail.OfferFreeBusy}, org.Cert)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	// Before the first fetch nothing is trusted.
	_, err = v.ValidateToken(ctx, tok.EncryptedData, fedavail.OfferFreeBusy)
	if ve := (*token.ValidationError)(nil); !errors.As(err, &ve) || ve.Reason != token.InvalidTrustBroker {
		t.Fatalf("before refresh: %v, want InvalidTrustBroker", err)
	}
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ValidateToken(ctx, tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
		t.Fatalf("after refresh: %v", err)
	}
	broken.Store(true)
	err = r.Refresh(ctx)
	var he *fedavail.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("refresh against a broken server: %v, want HTTP 503", err)
	}
	if _, err := v.ValidateToken(ctx, tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
		t.Fatalf("last good copy not kept: %v", err)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	var broken atomic.Bool
	broken.Store(true)
	srv := server(t, &metadata.Metadata{IssuerURI: "u", Certs: []*x509.Certificate{{Raw: []byte{0}}}, TokenEndpoint: "a", RedirectEndpoint: "b"}, &broken)
	r, err := metadata.NewRefresher(metadata.RefresherConfig{URL: srv.URL, HTTPClient: srv.Client(), Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if r.Metadata() != nil {
		t.Error("a failed fetch produced metadata")
	}
}

func TestNewRefresherNeedsClient(t *testing.T) {
	if _, err := metadata.NewRefresher(metadata.RefresherConfig{URL: "https://x"}); err == nil {
		t.Fatal("NewRefresher accepted a nil HTTPClient")
	}
}

func ExampleRefresher() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not here", http.StatusNotFound)
	}))
	defer srv.Close()
	r, _ := metadata.NewRefresher(metadata.RefresherConfig{URL: srv.URL, HTTPClient: srv.Client()})
	err := r.Refresh(context.Background())
	var he *fedavail.HTTPError
	fmt.Println(errors.As(err, &he), he.StatusCode)
	issuer, certs := r.TrustedBroker()
	fmt.Printf("%q %d\n", issuer, len(certs))
	// Output:
	// true 404
	// "" 0
}
