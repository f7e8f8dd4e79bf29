package tracing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/tracing"
)

// One federated query, traced on both sides: the asking side's steps nest
// under the caller's span; the answering side has a span per request with
// the token validation, access decisions and calendar reads inside it; no
// attribute holds an address.
func TestTraceOfAQuery(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(t.Context())
	tr := tracing.New(tp)

	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{Observe: tr})
	if err := errors.Join(contoso.Relate(fabrikam), fabrikam.Relate(contoso)); err != nil {
		t.Fatal(err)
	}
	day := w.Tomorrow()
	fabrikam.Calendars.Add("dana@fabrikam.test", calendar.Event{Start: day.Add(9 * time.Hour), End: day.Add(10 * time.Hour), BusyType: calendar.Busy})
	cfg := contoso.ClientConfig()
	hc := *cfg.HTTPClient
	hc.Transport = tr.Transport(hc.Transport)
	cfg.HTTPClient, cfg.Domains, cfg.Resolver = &hc, []string{"contoso.test"}, w.DNS.Resolver()
	client, err := federation.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, parent := tp.Tracer("test").Start(t.Context(), "schedule a meeting")
	res, err := client.Availability(ctx, federation.Query{From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test"}, Start: day, End: day.Add(24 * time.Hour)})
	parent.End()
	if err != nil || res.Attendees[0].Err != nil {
		t.Fatalf("query: %v / %v", err, res.Attendees[0].Err)
	}

	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		byName[s.Name()] = append(byName[s.Name()], s)
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.Emit(), "@") {
				t.Errorf("span %s attribute %s = %q holds an address", s.Name(), a.Key, a.Value.Emit())
			}
		}
	}
	attr := func(s sdktrace.ReadOnlySpan, key string) string {
		for _, a := range s.Attributes() {
			if string(a.Key) == key {
				return a.Value.Emit()
			}
		}
		return ""
	}
	for _, name := range []string{"fedavail.call Issue", "fedavail.call GetUserAvailability", "fedavail.serve GetUserAvailability",
		"fedavail.token.validate", "fedavail.policy.access", "fedavail.calendar.events"} {
		if len(byName[name]) == 0 {
			t.Errorf("no span %q; spans: %v", name, names(byName))
		}
	}
	for _, s := range byName["fedavail.call GetUserAvailability"] {
		if s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("the EWS call is not in the caller's trace")
		}
	}
	serve := byName["fedavail.serve GetUserAvailability"]
	for _, v := range byName["fedavail.token.validate"] {
		if attr(v, "fedavail.token.result") == "ok" && attr(v, "fedavail.partner") != "contoso.test" {
			t.Errorf("token span: partner %q, want contoso.test", attr(v, "fedavail.partner"))
		}
	}
	if len(serve) > 0 {
		var inside bool
		for _, c := range byName["fedavail.calendar.events"] {
			inside = inside || c.SpanContext().TraceID() == serve[0].SpanContext().TraceID()
		}
		if !inside {
			t.Error("the calendar read is not inside the request's trace")
		}
		if got := attr(serve[0], "http.response.status_code"); got != "200" {
			t.Errorf("serve span status %s, want 200", got)
		}
	}
}

func names(m map[string][]sdktrace.ReadOnlySpan) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
