package metrics

import (
	"net/http"
	"strings"
	"time"

	"github.com/fedavail/fedavail/internal/opname"
)

// Transport counts and times the requests rt sends to partners and trust
// brokers, by operation (GetUserAvailability, GetFederationInformation,
// GetUserSettings, Issue for a WS-Trust token request, Metadata for the
// broker's federation metadata, else the fall-backs of the answering side).
// Use it as the Transport of the *http.Client given to federation.NewClient.
// Nil rt means http.DefaultTransport.
func (m *Metrics) Transport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return roundTripper{m, rt}
}

type roundTripper struct {
	m    *Metrics
	next http.RoundTripper
}

func (t roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	op := opname.Client(r)
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	t.m.clientLatency.WithLabelValues(op).Observe(time.Since(start).Seconds())
	result := "network_error"
	if err == nil {
		result = outcome(resp.StatusCode)
	}
	t.m.client.WithLabelValues(op, result).Inc()
	return resp, err
}

// Broker counts and times the trust broker's requests by endpoint: token
// (WS-Trust issue), metadata, registration, managedelegation, other.
func (m *Metrics) Broker(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		p := strings.ToLower(r.URL.Path)
		endpoint := "other"
		switch {
		case strings.HasSuffix(p, ".srf") || strings.Contains(p, "/sts"):
			endpoint = "token"
		case strings.Contains(p, "federationmetadata"):
			endpoint = "metadata"
		case strings.Contains(p, "managedelegation"):
			endpoint = "managedelegation"
		case strings.Contains(p, "regist"):
			endpoint = "registration"
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		m.brokerLatency.WithLabelValues(endpoint).Observe(time.Since(start).Seconds())
		m.broker.WithLabelValues(endpoint, outcome(rec.status)).Inc()
	})
}
