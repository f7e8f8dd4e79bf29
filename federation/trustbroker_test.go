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

// settle waits for a fetch in flight to end.
func settle(b *brokerInfo) {
	b.mu.Lock()
	ch := b.fetching
	b.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// The broker's metadata is fetched on first use (waited for: there is no
// copy), then in the background: a due refresh never delays the caller, a
// failed one keeps the old copy and backs off.
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

	var clockMu sync.Mutex
	now := kp.Cert.NotBefore.Add(time.Hour)
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	b, err := newBrokerInfo(TrustBroker{MetadataURL: srv.URL, RefreshInterval: time.Hour}, srv.Client(), clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if iss, _ := b.TrustedBroker(); iss != "" {
		t.Errorf("before any fetch TrustedBroker() = %q, want none", iss)
	}
	steps := []struct {
		name         string
		advance      time.Duration
		down         bool
		wantFetches  int
		wantFailures int
	}{
		{"first use fetches", 0, false, 1, 0},
		{"fresh copy is reused", 30 * time.Minute, false, 1, 0},
		{"aged copy is fetched again, in the background", 31 * time.Minute, false, 2, 0},
		{"failed refresh keeps the old copy", 61 * time.Minute, true, 3, 1},
		{"no new attempt within 54 seconds", 50 * time.Second, true, 3, 1},
		{"attempt again after a minute", 11 * time.Second, true, 4, 2},
		{"then not for another 108 seconds", 100 * time.Second, true, 4, 2},
		{"then again", 21 * time.Second, false, 5, 0},
	}
	for _, s := range steps {
		clockMu.Lock()
		now = now.Add(s.advance)
		clockMu.Unlock()
		mu.Lock()
		down = s.down
		mu.Unlock()
		md, err := b.get(context.Background())
		settle(b)
		mu.Lock()
		n := fetches
		mu.Unlock()
		st := b.status()
		if err != nil || n != s.wantFetches || st.Failures != s.wantFailures {
			t.Errorf("%s: err %v, %d fetches, %d failures; want no error, %d fetches, %d failures", s.name, err, n, st.Failures, s.wantFetches, s.wantFailures)
		}
		if md == nil || md.IssuerURI != "urn:b" {
			t.Errorf("%s: metadata %+v", s.name, md)
		}
		if !st.Fresh || st.IssuerURI != "urn:b" || st.MetadataURL != srv.URL {
			t.Errorf("%s: status %+v", s.name, st)
		}
	}
	if iss, certs := b.TrustedBroker(); iss != "urn:b" || len(certs) != 1 {
		t.Errorf("TrustedBroker() = %q, %d certificates", iss, len(certs))
	}
}

// A token signed by an unknown certificate triggers at most one fetch per
// refetchEvery, however many arrive, and concurrent ones share it.
func TestBrokerInfoRefetchRateLimited(t *testing.T) {
	kp, doc := brokerDoc(t)
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		time.Sleep(20 * time.Millisecond)
		w.Write(doc)
	}))
	defer srv.Close()
	var clockMu sync.Mutex
	now := kp.Cert.NotBefore.Add(time.Hour)
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	b, err := newBrokerInfo(TrustBroker{MetadataURL: srv.URL}, srv.Client(), clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.get(t.Context()); err != nil {
		t.Fatal(err)
	}
	seen := b.copy()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); b.refetch(t.Context(), seen) }()
	}
	wg.Wait()
	settle(b)
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches after 20 concurrent unknown signers, want 2 (the first use and one refetch)", n)
	}
	b.refetch(t.Context(), b.copy())
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches after another unknown signer within %s, want 2", n, refetchEvery)
	}
	clockMu.Lock()
	now = now.Add(refetchEvery)
	clockMu.Unlock()
	b.refetch(t.Context(), b.copy())
	if n := fetches.Load(); n != 3 {
		t.Errorf("%d fetches after %s, want 3", n, refetchEvery)
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

// A caller that gives up leaves the fetch running (it is on no caller's
// context): the next caller gets its result, and the broker was asked once.
func TestBrokerInfoCanceledFetch(t *testing.T) {
	kp, doc := brokerDoc(t)
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		cancel() // the first caller gives up while the broker answers
		<-release
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
	close(release)
	if md, err := b.get(context.Background()); err != nil || md == nil || md.IssuerURI != "urn:b" {
		t.Errorf("next caller: %+v, %v; want the metadata", md, err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}
