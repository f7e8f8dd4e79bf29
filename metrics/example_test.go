package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/metrics"
)

// The answering side is observed through HandlerConfig.Observe and the
// asking side through its HTTP client's transport, both into the caller's
// registry (serve it with promhttp on a listener of its own). Here one
// request passes through the Handler wrapper the way NewHandler applies it.
func Example() {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		panic(err)
	}
	var cfg federation.HandlerConfig // ApplicationURI, Keys, Domains, … as usual
	cfg.Observe = m
	client := &http.Client{Transport: m.Transport(nil)} // for federation.Config.HTTPClient
	_ = client

	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<m:ResponseCode>NoError</m:ResponseCode>")
	}))
	r := httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", nil)
	r.Header.Set("SOAPAction", "http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability")
	h.ServeHTTP(httptest.NewRecorder(), r)

	families, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, f := range families {
		fmt.Println(f.GetName())
	}
	// Output:
	// fedavail_request_duration_seconds
	// fedavail_requests_total
	// fedavail_response_codes_total
}
