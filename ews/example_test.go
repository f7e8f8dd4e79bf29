package ews_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
)

// A federated GetUserAvailability call, as one organization asks another.
// The token source is normally package federation's client; here it stands
// in for one.
func ExampleClient_GetUserAvailability() {
	tokens := fedavail.TokenSourceFunc(func(ctx context.Context, r fedavail.TokenRequest) (*fedavail.Token, error) {
		return nil, errors.New("no trust broker in this example")
	})
	c := &ews.Client{
		URL:        "https://mail.b.example/EWS/Exchange.asmx",
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		Auth:       ews.FederatedAuth{Tokens: tokens, Audience: "FYDIBOHF25SPDLT.b.example", Requester: "alice@a.example"},
		Version:    ews.Exchange2013, // to see WorkingElsewhere
	}
	london, _ := time.LoadLocation("Europe/London")
	start := time.Date(2025, 10, 27, 0, 0, 0, 0, london)
	res, err := c.GetUserAvailability(context.Background(), &ews.AvailabilityRequest{
		Mailboxes: []ews.Mailbox{{Address: "bob@b.example"}},
		Start:     start,
		End:       start.AddDate(0, 0, 1),
		FreeBusy:  &ews.FreeBusyOptions{View: ews.ViewFreeBusyMerged, MergedInterval: time.Hour},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range res.Mailboxes {
		if m.Err != nil {
			fmt.Println(m.Mailbox.Address, m.Err)
			continue
		}
		for _, e := range m.Events {
			fmt.Println(m.Mailbox.Address, e.Start, e.End, e.BusyType)
		}
	}
	// Output: ews: delegation token: no trust broker in this example
}

// Deriving the legacy time zone of a request from a Go location.
func ExampleTimeZoneFor() {
	sydney, _ := time.LoadLocation("Australia/Sydney")
	z := ews.TimeZoneFor(sydney, 2025)
	fmt.Println("bias", z.Bias)
	fmt.Println("DST starts", z.DaylightTime.DayOrder, z.DaylightTime.DayOfWeek, "of month", z.DaylightTime.Month, "at", z.DaylightTime.Time)
	fmt.Println("DST ends", z.StandardTime.DayOrder, z.StandardTime.DayOfWeek, "of month", z.StandardTime.Month, "at", z.StandardTime.Time)
	// Output:
	// bias -600
	// DST starts 1 Sunday of month 10 at 02:00:00
	// DST ends 1 Sunday of month 4 at 03:00:00
}

// Windows zone IDs, and display names sent in their place, map to IANA names.
func ExampleIANAZone() {
	for _, s := range []string{"W. Europe Standard Time", "(UTC-05:00) Eastern Time (US & Canada)"} {
		name, ok := ews.IANAZone(s)
		fmt.Println(name, ok)
	}
	// Output:
	// Europe/Berlin true
	// America/New_York true
}
