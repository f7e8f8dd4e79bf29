package googlecal_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/googlecal"
)

// A Source reading Google Calendar. In production Client is
// googlecal.Delegated(serviceAccountKey, httpClient) and Endpoint is empty;
// here a local server answers freeBusy.query as Google documents it.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"kind":"calendar#freeBusy","calendars":{"dana@example.com":{"busy":[`+
			`{"start":"2026-03-30T08:00:00Z","end":"2026-03-30T09:00:00Z"}]}}}`)
	}))
	defer srv.Close()

	src, err := googlecal.New(googlecal.Config{
		Client:   func(context.Context, string) (*http.Client, error) { return srv.Client(), nil },
		Endpoint: srv.URL + "/calendar/v3/",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
	// An AvailabilityOnly requester: freeBusy.query, no event details.
	events, err := src.Events(calendar.WithFreeBusyOnly(context.Background()), "dana@example.com", start, start.AddDate(0, 0, 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range events {
		fmt.Println(e.Start.Format("15:04"), e.End.Format("15:04"), e.BusyType)
	}
	// Output: 08:00 09:00 Busy
}
