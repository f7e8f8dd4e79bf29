package caldav_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/caldav"
)

// A Source for a server where every user's calendars are under /USER/,
// read by one service account. The server here answers dana's home and a
// free-busy-query, as a CalDAV server would.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "PROPFIND /dana/":
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMultiStatus)
			io.WriteString(w, homeListing)
		case "REPORT /dana/work/":
			w.Header().Set("Content-Type", "text/calendar")
			io.WriteString(w, freeBusyAnswer)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	src, err := caldav.New(caldav.Config{
		URL:        srv.URL,
		HTTPClient: &http.Client{},
		Auth:       caldav.BasicAuth("fedavail", "service-account-password"),
		Home:       "/{local}/",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
	// What the EWS server does for an AvailabilityOnly requester.
	ctx := calendar.WithFreeBusyOnly(context.Background())
	events, err := src.Events(ctx, "dana@example.com", start, start.AddDate(0, 0, 5))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range events {
		fmt.Println(e.Start.Format("Mon 15:04"), e.End.Format("Mon 15:04"), e.BusyType)
	}
	_, err = src.Events(ctx, "nobody@example.com", start, start.AddDate(0, 0, 5))
	fmt.Println(err)
	// Output:
	// Mon 09:00 Mon 10:00 Busy
	// Tue 09:00 Tue 09:30 Busy
	// Wed 12:00 Wed 13:00 Tentative
	// Thu 00:00 Fri 00:00 OOF
	// calendar: mailbox not found
}
