package testorg_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/internal/testorg"
)

// BenchmarkHandlerOverBare measures the answering organization as a
// deployment runs it — the EWS handler behind a real token validator, a
// real sharing policy and a calendar — against a bare net/http handler that
// reads the same request body and writes an answer of the same size. Each
// iteration sends one federated GetUserAvailability (one mailbox, one day,
// DetailedMerged, a genuine broker-minted token of real size whose
// validation is cached, as a partner's token is between its first request
// and its expiry) to each, alternating, over loopback HTTP, and the
// benchmark reports the ratio of the bare handler's time to the real one's:
// the real handler's throughput as a fraction of the bare one's. The goal is
// at least 0.60.
//
//	go test -run '^$' -bench HandlerOverBare -count 6 ./internal/testorg
func BenchmarkHandlerOverBare(b *testing.B) {
	org, body, hdr := benchRequest(b)
	real := httptest.NewServer(org.Handler)
	defer real.Close()

	client := real.Client()
	post := func(url string) int {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header = hdr.Clone()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: status %d", url, resp.StatusCode)
		}
		return int(n)
	}
	realURL := real.URL + "/EWS/Exchange.asmx/WSSecurity"
	size := post(realURL) // also warms the token cache, as a partner's second request would
	static := bytes.Repeat([]byte("x"), size)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(static)
	}))
	defer bare.Close()

	var handlerTime, bareTime time.Duration
	b.SetBytes(int64(size))
	for b.Loop() {
		t0 := time.Now()
		post(realURL)
		t1 := time.Now()
		post(bare.URL)
		handlerTime += t1.Sub(t0)
		bareTime += time.Since(t1)
	}
	b.ReportMetric(float64(bareTime)/float64(handlerTime), "handler/bare-throughput")
}

// benchRequest returns the answering organization and one federated
// GetUserAvailability request for it (body and headers, as ews.Client sends
// them): one mailbox, one day, DetailedMerged, with a genuine broker-minted
// token of real size.
func benchRequest(b *testing.B) (*testorg.Org, []byte, http.Header) {
	b.Helper()
	keys, err := testorg.NewKeys()
	if err != nil {
		b.Fatal(err)
	}
	org, err := testorg.New(testorg.Config{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}

	// The request bytes, as ews.Client sends them, captured once.
	var (
		mu      sync.Mutex
		reqBody []byte
		header  http.Header
	)
	capture := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqBody, header = body, r.Header.Clone()
		mu.Unlock()
		http.Error(w, "captured", http.StatusServiceUnavailable)
	}))
	defer capture.Close()
	user := "bench@" + testorg.AvailabilityPartner
	data, err := org.Broker.Mint(testorg.Claims(user, fedavail.OfferFreeBusy), keys.Contoso.Cert)
	if err != nil {
		b.Fatal(err)
	}
	tok := &fedavail.Token{EncryptedData: data}
	c := &ews.Client{URL: capture.URL + "/EWS/Exchange.asmx", HTTPClient: capture.Client(), Version: ews.Exchange2013,
		Auth: ews.FederatedAuth{
			Tokens: fedavail.TokenSourceFunc(func(context.Context, fedavail.TokenRequest) (*fedavail.Token, error) {
				return tok, nil
			}),
			Audience: testorg.ApplicationURI, Requester: user,
		}}
	_, _ = c.GetUserAvailability(context.Background(), &ews.AvailabilityRequest{
		Mailboxes: []ews.Mailbox{{Address: testorg.Alice}},
		Start:     testorg.Day, End: testorg.Day.Add(24 * time.Hour),
		FreeBusy: &ews.FreeBusyOptions{View: ews.ViewDetailedMerged},
	}) // refused by the capturing server, by design
	mu.Lock()
	body, hdr := reqBody, header
	mu.Unlock()
	if len(body) == 0 {
		b.Fatal("no request captured")
	}
	b.Logf("request %d bytes with a %d-byte token", len(body), len(data))

	return org, body, hdr
}
