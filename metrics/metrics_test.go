package metrics_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/metrics"
)

// series returns the value of the series of name whose labels include
// want, summed over the others.
func series(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue metric
				}
			}
			sum += value(m)
		}
	}
	return sum
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// A real federated free/busy request, answered by federation.NewHandler
// with HandlerConfig.Observe set to Metrics and asked through a client
// whose transport Metrics wraps, shows on both sides; a forged token shows
// as a refused validation; no label carries an address.
func TestMetricsEndToEnd(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{Observe: m})
	if err := errors.Join(contoso.Relate(fabrikam), fabrikam.Relate(contoso)); err != nil {
		t.Fatal(err)
	}
	day := w.Tomorrow()
	fabrikam.Calendars.Add("dana@fabrikam.test", calendar.Event{Start: day.Add(9 * time.Hour), End: day.Add(10 * time.Hour), BusyType: calendar.Busy})
	cfg := contoso.ClientConfig()
	hc := *cfg.HTTPClient
	hc.Transport = m.Transport(hc.Transport)
	cfg.HTTPClient, cfg.Domains, cfg.Resolver = &hc, []string{"contoso.test"}, w.DNS.Resolver()
	client, err := federation.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Availability(t.Context(), federation.Query{From: "alice@contoso.test",
		Attendees: []string{"dana@fabrikam.test", "nobody@fabrikam.test"}, Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attendees[0].Err != nil {
		t.Fatalf("dana: %v", res.Attendees[0].Err)
	}

	// A forged token: refused with 401, counted as a refused validation.
	forged := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		`<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
		`<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>` +
		`</wsse:Security></s:Header><s:Body/></s:Envelope>`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, fabrikam.URL+"/EWS/Exchange.asmx/WSSecurity", strings.NewReader(forged))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", "http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability")
	resp, err := w.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged token: status %d, want 401", resp.StatusCode)
	}

	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"fedavail_requests_total", map[string]string{"operation": "GetUserAvailability", "partner": "contoso.test", "outcome": "ok"}},
		{"fedavail_requests_total", map[string]string{"operation": "GetUserAvailability", "partner": "anonymous", "outcome": "unauthorized"}},
		{"fedavail_request_duration_seconds", map[string]string{"operation": "GetUserAvailability"}},
		{"fedavail_response_codes_total", map[string]string{"operation": "GetUserAvailability", "partner": "contoso.test", "code": "NoError"}},
		{"fedavail_response_codes_total", map[string]string{"operation": "GetUserSettings", "partner": "contoso.test", "code": "InvalidUser"}}, // nobody@
		{"fedavail_token_validations_total", map[string]string{"result": "ok"}},
		{"fedavail_access_decisions_total", map[string]string{"level": "AvailabilityOnly"}},
		{"fedavail_calendar_reads_total", map[string]string{"method": "Events", "result": "ok"}},
		{"fedavail_client_requests_total", map[string]string{"operation": "Issue", "outcome": "ok"}},
		{"fedavail_client_requests_total", map[string]string{"operation": "GetUserAvailability", "outcome": "ok"}},
	} {
		if got := series(t, reg, c.name, c.labels); got < 1 {
			t.Errorf("%s%v = %v, want at least 1", c.name, c.labels, got)
		}
	}
	if refused := series(t, reg, "fedavail_token_validations_total", nil) - series(t, reg, "fedavail_token_validations_total", map[string]string{"result": "ok"}); refused < 1 {
		t.Errorf("the forged token is not counted as a refused validation")
	}

	// No label value is an address, a subject or a token.
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if v := l.GetValue(); strings.ContainsAny(v, "@<>= ") || len(v) > 64 {
					t.Errorf("%s has label %s=%q", f.GetName(), l.GetName(), v)
				}
			}
		}
	}
}

// The response scanner finds codes split across writes, and ignores end
// tags and oversized values.
func TestResponseCodesAcrossWrites(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	body := `<m:ResponseMessage><m:ResponseCode>NoError</m:ResponseCode></m:ResponseMessage>` +
		`<ResponseCode>ErrorMailRecipientNotFound</ResponseCode><ErrorCode>` + strings.Repeat("X", 100) + `</ErrorCode>`
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(body); i += 7 { // in pieces that cut names and values
			w.Write([]byte(body[i:min(i+7, len(body))]))
		}
	}))
	r, _ := http.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", nil)
	h.ServeHTTP(&discard{header: http.Header{}}, r)
	for code, want := range map[string]float64{"NoError": 1, "ErrorMailRecipientNotFound": 1} {
		if got := series(t, reg, "fedavail_response_codes_total", map[string]string{"code": code}); got != want {
			t.Errorf("code %s counted %v times, want %v", code, got, want)
		}
	}
	if got := series(t, reg, "fedavail_response_codes_total", nil); got != 2 {
		t.Errorf("%v codes counted, want 2 (the 100-letter value is not a code)", got)
	}
}

type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}
