package federation

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/fedtest"
)

// brokerDoc returns a broker certificate and metadata naming it, issuer "urn:b".
func brokerDoc(t *testing.T) (*fedtest.KeyPair, []byte) {
	t.Helper()
	kp, err := fedtest.NewBrokerCert("broker")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := metadata.Render(&metadata.Metadata{IssuerURI: "urn:b", Certs: []*x509.Certificate{kp.Cert}, TokenEndpoint: "https://sts.test/extSTS.srf", RedirectEndpoint: "https://sts.test/login.srf"})
	if err != nil {
		t.Fatal(err)
	}
	return kp, doc
}

// The broker's metadata is fetched on first use, reused until it ages,
// kept when a refresh fails, and not fetched again for a minute after a
// failure.
func TestBrokerInfoRefresh(t *testing.T) {
	kp, doc := brokerDoc(t)
	var (
		mu      sync.Mutex
		fetches int
		down    bool
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fetches++
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write(doc)
	}))
	defer srv.Close()

	now := kp.Cert.NotBefore.Add(time.Hour)
	clock := func() time.Time { return now }
	b, err := newBrokerInfo(TrustBroker{MetadataURL: srv.URL, RefreshInterval: time.Hour}, srv.Client(), clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if iss, _ := b.TrustedBroker(); iss != "" {
		t.Errorf("before any fetch TrustedBroker() = %q, want none", iss)
	}
	steps := []struct {
		name        string
		advance     time.Duration
		down        bool
		wantFetches int
		wantErr     bool
	}{
		{"first use fetches", 0, false, 1, false},
		{"fresh copy is reused", 30 * time.Minute, false, 1, false},
		{"aged copy is fetched again", 31 * time.Minute, false, 2, false},
		{"failed refresh keeps the old copy", 61 * time.Minute, true, 3, false},
		{"no new attempt within a minute", 30 * time.Second, true, 3, false},
		{"attempt again after a minute", 31 * time.Second, false, 4, false},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		mu.Lock()
		down = s.down
		mu.Unlock()
		md, err := b.get(context.Background())
		mu.Lock()
		n := fetches
		mu.Unlock()
		if (err != nil) != s.wantErr || n != s.wantFetches {
			t.Errorf("%s: err %v, %d fetches; want error %v, %d fetches", s.name, err, n, s.wantErr, s.wantFetches)
		}
		if err == nil && (md == nil || md.IssuerURI != "urn:b") {
			t.Errorf("%s: metadata %+v", s.name, md)
		}
	}
	if iss, certs := b.TrustedBroker(); iss != "urn:b" || len(certs) != 1 {
		t.Errorf("TrustedBroker() = %q, %d certificates", iss, len(certs))
	}
}

// Without any copy, a failure is ErrBrokerUnavailable, and repeated at once
// for a minute without asking the broker again.
func TestBrokerInfoUnavailable(t *testing.T) {
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	now := time.Date(2025, 3, 24, 0, 0, 0, 0, time.UTC)
	b, err := newBrokerInfo(TrustBroker{MetadataURL: srv.URL}, srv.Client(), func() time.Time { return now }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := b.get(context.Background()); !errors.Is(err, ErrBrokerUnavailable) {
			t.Errorf("err = %v, want ErrBrokerUnavailable", err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// A fetch abandoned by its caller's context is not a broker failure: the
// next caller fetches at once instead of getting ErrBrokerUnavailable for a
// minute.
func TestBrokerInfoCanceledFetch(t *testing.T) {
	kp, doc := brokerDoc(t)
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 { // the first caller gives up while the broker answers
			cancel()
			<-r.Context().Done()
			return
		}
		w.Write(doc)
	}))
	defer srv.Close()
	now := kp.Cert.NotBefore.Add(time.Hour)
	b, err := newBrokerInfo(TrustBroker{MetadataURL: srv.URL}, srv.Client(), func() time.Time { return now }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.get(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrBrokerUnavailable) {
		t.Errorf("canceled caller: err = %v, want context.Canceled", err)
	}
	if md, err := b.get(context.Background()); err != nil || md == nil || md.IssuerURI != "urn:b" {
		t.Errorf("next caller: %+v, %v; want the metadata", md, err)
	}
}
