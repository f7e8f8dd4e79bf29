package ews

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fedavail/fedavail/internal/soap"
)

// BenchmarkHandler measures the availability handler over loopback HTTP
// (one mailbox, one day, DetailedMerged, a federated request whose token the
// stub validator accepts at once, as a cached token would be) against a bare
// net/http handler serving a static body of the same size, in the same run.
// Compare the two ns/op: the goal is at least 40% of the bare throughput.
func BenchmarkHandler(b *testing.B) {
	// Production servers log at Info: the per-request Debug line is off.
	ts := newTestServer(b, func(c *HandlerConfig) { c.Logger = nil })
	env := soap.Envelope{Version: soap.V11, Headers: []any{
		soap.RequestServerVersion{Version: string(Exchange2013)},
		soap.Security(soap.V11, []byte(goodToken)),
	}, Body: availability(ViewDetailedMerged, "alice@example.com")}
	reqBody, err := env.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	// The plain-HTTP twin of the TLS test server, so that TLS does not
	// dominate both sides.
	plain := httptest.NewServer(ts.Config.Handler)
	defer plain.Close()
	client := plain.Client()
	post := func(b *testing.B, url string) int {
		resp, err := client.Post(url, "text/xml; charset=utf-8", bytes.NewReader(reqBody))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return int(n)
	}
	size := post(b, plain.URL+"/EWS/Exchange.asmx/WSSecurity")
	static := bytes.Repeat([]byte("x"), size)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(static)
	}))
	defer bare.Close()

	b.Run("handler", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			post(b, plain.URL+"/EWS/Exchange.asmx/WSSecurity")
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			post(b, bare.URL+"/")
		}
	})
}
