package grid

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/internal/golden"
	"github.com/fedavail/fedavail/sharing"
)

func attendeeErr(step federation.Step, err error) error {
	return &federation.AttendeeError{Attendee: "x@fabrikam.test", Domain: "fabrikam.test", Step: step, Err: err}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no relationship", attendeeErr(federation.StepRelationship, fmt.Errorf("none: %w", sharing.ErrNoRelationship)), "no data: no organization relationship with fabrikam.test (fedadmin relationship add NAME -domain fabrikam.test)"},
		{"not federated", attendeeErr(federation.StepDiscovery, federation.ErrNotFederated), "no data: fabrikam.test is not federated (check with fedcheck federation-info fabrikam.test)"},
		{"refused", attendeeErr(federation.StepAvailability, federation.ErrRefused), "no data: the partner refused"},
		{"other step", attendeeErr(federation.StepToken, errors.New("broker down")), "no data: token failed: broker down"},
		{"broker refused (de-federated)", attendeeErr(federation.StepToken, &fedavail.Fault{Code: "Sender", Subcodes: []string{"InvalidRequest"}, Reason: "no registered organization"}),
			"no data: the trust broker gives no token for fabrikam.test: the partner (or this organization) has left the federation, or is not registered with this broker; check with fedadmin trust show and ask the partner"},
		{"not an attendee error", errors.New("odd"), "no data: odd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Explain(tt.err); got != tt.want {
				t.Errorf("Explain = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRender lays out two days, in a zone that is not UTC, with an attendee
// that shared details, one that shared times only and one without data.
func TestRender(t *testing.T) {
	loc := time.FixedZone("UTC+2", 2*3600)
	start := time.Date(2026, 11, 30, 0, 0, 0, 0, loc)
	at := func(d, h int) time.Time { return start.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
	var merged []ews.Slot
	for d := range 2 {
		for h := range 24 {
			b := ews.Free
			if h == 9 || (d == 1 && h >= 13 && h < 15) {
				b = ews.Busy
			}
			merged = append(merged, ews.Slot{Start: at(d, h), End: at(d, h+1), BusyType: b})
		}
	}
	res := &federation.Result{Attendees: []federation.Attendee{
		{Address: "dana@fabrikam.test", View: ews.ViewDetailedMerged, Merged: merged, Events: []ews.Event{
			{Start: at(1, 13), End: at(1, 15), BusyType: ews.Busy, Details: &ews.CalendarEventDetails{Subject: "Review", Location: "Board room"}},
			{Start: at(0, 9), End: at(0, 10), BusyType: ews.Busy, Details: &ews.CalendarEventDetails{Subject: "Secret", IsPrivate: true}},
		}},
		{Address: "erin@fabrikam.test", View: ews.ViewFreeBusyMerged, Merged: merged[:30]}, // nothing for the second day
		{Address: "frank@northwind.test", Err: &federation.AttendeeError{
			Attendee: "frank@northwind.test", Domain: "northwind.test", Step: federation.StepRelationship, Err: sharing.ErrNoRelationship}},
	}}
	g := New("two days", start, 2, res)
	golden.Check(t, "render.txt", []byte(g.Text()))
	var page bytes.Buffer
	if err := WriteHTML(&page, "grid test", []*Grid{g}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "render.html", page.Bytes())
	if strings.Contains(g.Text(), "Secret") || strings.Contains(page.String(), "Secret") {
		t.Error("a private item's subject is shown")
	}
}

// A failed discovery lists every URL tried with its reason under the row.
func TestNoDataListsDiscoveryAttempts(t *testing.T) {
	de := &autodiscover.DiscoveryError{Domain: "fabrikam.test", Attempts: []autodiscover.Attempt{
		{URL: "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc", Err: errors.New("connection refused")},
		{URL: "dns://_autodiscover._tcp.fabrikam.test", Err: errors.New("no such host")},
	}}
	res := &federation.Result{Attendees: []federation.Attendee{{Address: "x@fabrikam.test",
		Err: &federation.AttendeeError{Attendee: "x@fabrikam.test", Domain: "fabrikam.test", Step: federation.StepDiscovery, Err: de}}}}
	text := New("t", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), 1, res).Text()
	for _, want := range []string{
		"tried https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc: connection refused",
		"tried dns://_autodiscover._tcp.fabrikam.test: no such host",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("grid lacks %q:\n%s", want, text)
		}
	}
}
