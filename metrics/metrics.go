package metrics

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fedavail/fedavail/federation"
)

// MaxPartners bounds the partner label's values: past it, new partner
// organizations are counted as "other", so a federation of thousands of
// organizations cannot blow up the series count.
const MaxPartners = 200

// Metrics holds the collectors. Create it with [New]; it is safe for
// concurrent use and is a federation.Observer.
type Metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	codes         *prometheus.CounterVec
	validations   *prometheus.CounterVec
	decisions     *prometheus.CounterVec
	reads         *prometheus.CounterVec
	readDuration  *prometheus.HistogramVec
	client        *prometheus.CounterVec
	clientLatency *prometheus.HistogramVec
	broker        *prometheus.CounterVec
	brokerLatency *prometheus.HistogramVec

	mu       sync.Mutex
	partners map[string]bool
}

var _ federation.Observer = (*Metrics)(nil)

// New creates the collectors and registers them with reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	buckets := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "fedavail", Name: name, Help: help}, labels)
	}
	histogram := func(name, help string, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "fedavail", Name: name, Help: help, Buckets: buckets}, labels)
	}
	m := &Metrics{
		requests:      counter("requests_total", "Requests answered, by operation, partner organization and outcome.", "operation", "partner", "outcome"),
		duration:      histogram("request_duration_seconds", "Time to answer a request, by operation.", "operation"),
		codes:         counter("response_codes_total", "EWS ResponseCode and Autodiscover ErrorCode values answered.", "operation", "partner", "code"),
		validations:   counter("token_validations_total", "Delegation tokens validated, by result (ok or the refusal's reason).", "result"),
		decisions:     counter("access_decisions_total", "Access levels the sharing policy granted, per mailbox asked about.", "level"),
		reads:         counter("calendar_reads_total", "Calendar source reads, by method and result.", "method", "result"),
		readDuration:  histogram("calendar_read_duration_seconds", "Time of a calendar source read.", "method"),
		client:        counter("client_requests_total", "Requests sent to partners and brokers, by operation and outcome.", "operation", "outcome"),
		clientLatency: histogram("client_request_duration_seconds", "Time of a request sent to a partner or broker.", "operation"),
		broker:        counter("broker_requests_total", "Trust broker requests, by endpoint and outcome.", "endpoint", "outcome"),
		brokerLatency: histogram("broker_request_duration_seconds", "Time to answer a trust broker request.", "endpoint"),
		partners:      map[string]bool{},
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.codes, m.validations, m.decisions, m.reads,
		m.readDuration, m.client, m.clientLatency, m.broker, m.brokerLatency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// partner returns the label for a partner organization's e-mail domain.
func (m *Metrics) partner(domain string) string {
	domain = strings.ToLower(domain)
	if domain == "" || len(domain) > 253 || strings.IndexFunc(domain, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-')
	}) >= 0 {
		return "invalid"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.partners[domain] {
		return domain
	}
	if len(m.partners) >= MaxPartners {
		return "other"
	}
	m.partners[domain] = true
	return domain
}

// outcome names an HTTP status for the outcome label.
func outcome(status int) string {
	switch {
	case status == 401:
		return "unauthorized"
	case status == 403:
		return "forbidden"
	case status == 413:
		return "too_large"
	case status == 429 || status == 503:
		return "busy"
	case status == 500:
		return "fault"
	case status >= 200 && status < 300:
		return "ok"
	case status >= 300 && status < 400:
		return "redirect"
	case status >= 400 && status < 500:
		return "bad_request"
	}
	return "error"
}

// WatchBroker exports the trust broker's metadata as the answering side
// holds it, read from status at each scrape (federation.Handler.BrokerStatus):
// fedavail_broker_metadata_age_seconds since the last successful fetch (not
// exported before one), and fedavail_broker_metadata_failures, the failed
// fetches since then.
func (m *Metrics) WatchBroker(reg prometheus.Registerer, status func() federation.BrokerStatus) error {
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "fedavail", Name: "broker_metadata_age_seconds",
		Help: "Seconds since the trust broker's metadata was last fetched successfully."}, func() float64 {
		s := status()
		if s.Fetched.IsZero() {
			return -1 // never fetched (or configured explicitly)
		}
		return time.Since(s.Fetched).Seconds()
	})
	failures := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "fedavail", Name: "broker_metadata_failures",
		Help: "Failed fetches of the trust broker's metadata since the last success."}, func() float64 {
		return float64(status().Failures)
	})
	for _, c := range []prometheus.Collector{age, failures} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
