package ews

import (
	"testing"
	"time"
)

// TestServerGolden pins the server's answers byte for byte (run with
// -update after an intended change) and validates each against the EWS
// schema. Together the cases cover every view, every access level, a
// per-mailbox error, suggestions and GetServerTimeZones.
func TestServerGolden(t *testing.T) {
	ts := newTestServer(t, nil)
	mixed := availability(ViewDetailedMerged, "alice@example.com", "avail@example.com", "none@example.com", "nobody@example.com")
	mixed.SuggestionsViewOptions = &SuggestionsViewOptions{
		MaximumResultsByDay:       2,
		DetailedSuggestionsWindow: Duration{StartTime: At(testDay), EndTime: At(testDay.Add(24 * time.Hour))},
	}
	yes := true
	tests := []struct {
		file string
		body any
	}{
		{"server-detailedmerged-suggestions.xml", mixed},
		{"server-detailed.xml", availability(ViewDetailed, "alice@example.com")},
		{"server-freebusy.xml", availability(ViewFreeBusy, "alice@example.com")},
		{"server-mergedonly.xml", availability(ViewMergedOnly, "alice@example.com")},
		{"server-getservertimezones.xml", &GetServerTimeZones{ReturnFullTimeZoneData: &yes, IDs: &TimeZoneIDs{IDs: []string{"GMT Standard Time", "AUS Eastern Standard Time", "India Standard Time"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := ts.do(t, call{body: tt.body, validate: true}, nil)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.data)
			}
			golden(t, tt.file, r.data)
		})
	}
	t.Run("server-fault-toobig.xml", func(t *testing.T) {
		many := make([]string, 101)
		for i := range many {
			many[i] = "alice@example.com"
		}
		r := ts.do(t, call{body: availability(ViewFreeBusy, many...)}, nil)
		golden(t, "server-fault-toobig.xml", r.data)
	})
	// A genuine token of another offer: Exchange's access-denied fault.
	t.Run("server-fault-accessdenied.xml", func(t *testing.T) {
		r := ts.do(t, call{body: availability(ViewFreeBusy, "alice@example.com"), token: `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">autodiscover</xenc:EncryptedData>`}, nil)
		golden(t, "server-fault-accessdenied.xml", r.data)
	})
	// A repeated mailbox past the answer cap: the first answer, then
	// ErrorResultSetTooBig with Exchange's MessageXml.
	t.Run("server-repeated-capped.xml", func(t *testing.T) {
		capped := newTestServer(t, func(c *HandlerConfig) { c.MaxAnswerBytes = 2500 })
		r := capped.do(t, call{body: availability(ViewFreeBusy, "alice@example.com", "ALICE@example.com"), validate: true}, nil)
		golden(t, "server-repeated-capped.xml", r.data)
	})
}
