package ews

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/calendar"
)

// markSource records, per mailbox, whether the handler told it that only
// free/busy times will be shown (calendar.FreeBusyOnly).
type markSource struct {
	calendar.Source
	mu   sync.Mutex
	seen map[string]bool
}

func (s *markSource) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	s.mu.Lock()
	s.seen[mailbox] = calendar.FreeBusyOnly(ctx)
	s.mu.Unlock()
	return s.Source.Events(ctx, mailbox, start, end)
}

// TestFreeBusyOnlyMark: the source learns that no details will be shown
// when the granted view has none (AvailabilityOnly access, or a view
// without details asked for), so a remote store can send times only.
func TestFreeBusyOnlyMark(t *testing.T) {
	tests := []struct {
		view ViewType
		want map[string]bool
	}{
		{ViewDetailed, map[string]bool{"alice@example.com": false, "avail@example.com": true}},
		{ViewDetailedMerged, map[string]bool{"alice@example.com": false, "avail@example.com": true}},
		{ViewFreeBusy, map[string]bool{"alice@example.com": true, "avail@example.com": true}},
		{ViewMergedOnly, map[string]bool{"alice@example.com": true, "avail@example.com": true}},
	}
	for _, tt := range tests {
		t.Run(string(tt.view), func(t *testing.T) {
			src := &markSource{seen: map[string]bool{}}
			ts := newTestServer(t, func(c *HandlerConfig) {
				src.Source = c.Calendars
				c.Calendars = src
			})
			var out GetUserAvailabilityResponse
			ts.do(t, call{body: availability(tt.view, "alice@example.com", "avail@example.com")}, &out)
			if d := cmp.Diff(tt.want, src.seen); d != "" {
				t.Errorf("FreeBusyOnly per mailbox (-want +got):\n%s", d)
			}
		})
	}
}
