package ews

import (
	"encoding/xml"
	"strconv"
	"testing"
	"time"

	"github.com/fedavail/fedavail/internal/soap"
)

// benchResponse is a DetailedMerged answer for 100 mailboxes over 7 days,
// eight one-hour meetings a day each.
func benchResponse(b *testing.B) []byte {
	b.Helper()
	pdt := time.FixedZone("", -7*3600)
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, pdt)
	wh := &WorkingHours{TimeZone: TimeZoneFor(time.UTC, 2025), WorkingPeriods: []WorkingPeriod{{DayOfWeek: "Monday Tuesday Wednesday Thursday Friday", StartTimeInMinutes: 480, EndTimeInMinutes: 1020}}}
	resp := &GetUserAvailabilityResponse{}
	merged := make([]byte, 7*48)
	for i := range merged {
		merged[i] = "0022"[i%4]
	}
	for m := range 100 {
		var events []CalendarEvent
		for d := range 7 {
			for h := 9; h < 17; h++ {
				s := start.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour)
				events = append(events, CalendarEvent{StartTime: At(s), EndTime: At(s.Add(time.Hour)), BusyType: Busy, Details: &CalendarEventDetails{
					ID: "AAMkAD" + strconv.Itoa(m*1000+d*10+h), Subject: "Meeting " + strconv.Itoa(h), Location: "Room " + strconv.Itoa(m), IsMeeting: true,
				}})
			}
		}
		resp.FreeBusyResponses = append(resp.FreeBusyResponses, FreeBusyResponse{
			ResponseMessage: &ResponseMessage{ResponseClass: Success, ResponseCode: NoError},
			FreeBusyView:    &FreeBusyView{FreeBusyViewType: ViewDetailedMerged, MergedFreeBusy: string(merged), CalendarEvents: &CalendarEvents{Events: events}, WorkingHours: wh},
		})
	}
	env := soap.Envelope{Version: soap.V11, Body: resp}
	data, err := env.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkDecodeResponse is the client's decoding: limits check, envelope,
// body, conversion to absolute times, slots and working-hour locations.
func BenchmarkDecodeResponse(b *testing.B) { benchDecode(b, true) }

// BenchmarkDecodeResponseTokens is the same without the fast path, as for
// an answer it declines: the hand-written decoders read encoding/xml's
// tokens.
func BenchmarkDecodeResponseTokens(b *testing.B) { benchDecode(b, false) }

func benchDecode(b *testing.B, fast bool) {
	data := benchResponse(b)
	mailboxes := make([]Mailbox, 100)
	loc := time.FixedZone("", -7*3600)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		// As Client.call has it decoded.
		var resp GetUserAvailabilityResponse
		opts := soap.DecodeOptions{Body: &resp, BodyName: getUserAvailabilityResponseName}
		if fast {
			opts.Scan = resp.scanEnvelope
		}
		if _, err := soap.Decode(data, opts); err != nil {
			b.Fatal(err)
		}
		d := &decoder{loc: loc, start: time.Date(2025, 6, 2, 0, 0, 0, 0, loc), interval: 30 * time.Minute}
		for i := range resp.FreeBusyResponses {
			_ = d.mailbox(mailboxes[i], &resp.FreeBusyResponses[i])
		}
	}
}

// plain* are equivalent structs for a plain encoding/xml unmarshal, with
// time.Time for the timestamps, the baseline of BenchmarkDecodeResponse.
type plainResponse struct {
	Responses []struct {
		ResponseMessage struct {
			ResponseClass string `xml:"ResponseClass,attr"`
			ResponseCode  string `xml:"ResponseCode"`
		} `xml:"ResponseMessage"`
		View struct {
			Type   string `xml:"FreeBusyViewType"`
			Merged string `xml:"MergedFreeBusy"`
			Events []struct {
				Start    time.Time `xml:"StartTime"`
				End      time.Time `xml:"EndTime"`
				BusyType string    `xml:"BusyType"`
				Details  *struct {
					ID, Subject, Location                                         string
					IsMeeting, IsRecurring, IsException, IsReminderSet, IsPrivate bool
				} `xml:"CalendarEventDetails"`
			} `xml:"CalendarEventArray>CalendarEvent"`
			WorkingHours *struct {
				TimeZone SerializableTimeZone `xml:"TimeZone"`
				Periods  []WorkingPeriod      `xml:"WorkingPeriodArray>WorkingPeriod"`
			} `xml:"WorkingHours"`
		} `xml:"FreeBusyView"`
	} `xml:"Body>GetUserAvailabilityResponse>FreeBusyResponseArray>FreeBusyResponse"`
}

func BenchmarkDecodeResponsePlainXML(b *testing.B) {
	data := benchResponse(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var resp plainResponse
		if err := xml.Unmarshal(data, &resp); err != nil {
			b.Fatal(err)
		}
		if len(resp.Responses) != 100 {
			b.Fatal(len(resp.Responses))
		}
	}
}
