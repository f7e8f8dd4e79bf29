package googlecal

import (
	"encoding/json"
	"testing"
	"time"

	gcal "google.golang.org/api/calendar/v3"

	"github.com/fedavail/fedavail/calendar"
)

// FuzzConvert: any event Google (or an impostor) sends maps to an item
// that does not end before it starts, or is left out, never a panic.
func FuzzConvert(f *testing.F) {
	f.Add([]byte(`{"id":"a","start":{"dateTime":"2026-03-30T09:00:00+01:00"},"end":{"dateTime":"2026-03-30T10:00:00+01:00"},"attendees":[{"self":true,"responseStatus":"tentative"}]}`))
	f.Add([]byte(`{"eventType":"workingLocation","workingLocationProperties":{"type":"homeOffice"},"start":{"date":"2026-04-02","timeZone":"Asia/Kolkata"},"end":{"date":"2026-04-03"}}`))
	f.Add([]byte(`{"start":{"date":"2026-04-02","timeZone":"../../etc/passwd"},"end":{"date":"2026-04-01"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ge gcal.Event
		if json.Unmarshal(data, &ge) != nil {
			return
		}
		e, ok, err := convert(&ge, time.UTC)
		if err != nil || !ok {
			return
		}
		if e.End.Before(e.Start) {
			t.Fatalf("item ends before it starts: %+v", e)
		}
		if e.BusyType < calendar.Free || e.BusyType > calendar.NoData {
			t.Fatalf("busy type %v", e.BusyType)
		}
	})
}
