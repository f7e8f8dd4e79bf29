package ews

import (
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// summary is what the view tests compare for one mailbox.
type summary struct {
	Code     ResponseCode
	View     ViewType
	Merged   string
	Events   int
	Subjects []string
	Hours    bool
}

func summarize(r FreeBusyResponse) summary {
	var s summary
	if r.ResponseMessage != nil {
		s.Code = r.ResponseMessage.ResponseCode
	}
	if v := r.FreeBusyView; v != nil {
		s.View, s.Merged, s.Hours = v.FreeBusyViewType, v.MergedFreeBusy, v.WorkingHours != nil
		if v.CalendarEvents != nil {
			s.Events = len(v.CalendarEvents.Events)
			for _, e := range v.CalendarEvents.Events {
				if e.Details != nil {
					s.Subjects = append(s.Subjects, e.Details.Subject)
				}
			}
		}
	}
	return s
}

// The merged string of alice's day at 60 minutes: OOF until 01:00, busy
// 09–10, private busy 11–12, tentative 13–14, working elsewhere 14–17.
const aliceMerged = "300000000202010000000000" // WorkingElsewhere weighs as Free: never shown

func TestViewsAndAccessLevels(t *testing.T) {
	ts := newTestServer(t, nil)
	detailed := []string{"Flight", "Planning", "", "Lunch", "Home office"}
	tests := []struct {
		view    ViewType
		mailbox string
		want    summary
	}{
		{ViewMergedOnly, "alice@example.com", summary{Code: NoError, View: ViewMergedOnly, Merged: aliceMerged, Hours: true}},
		{ViewFreeBusy, "alice@example.com", summary{Code: NoError, View: ViewFreeBusy, Events: 5, Hours: true}},
		{ViewFreeBusyMerged, "alice@example.com", summary{Code: NoError, View: ViewFreeBusyMerged, Merged: aliceMerged, Events: 5, Hours: true}},
		{ViewDetailed, "alice@example.com", summary{Code: NoError, View: ViewDetailed, Events: 5, Subjects: detailed, Hours: true}},
		{ViewDetailedMerged, "alice@example.com", summary{Code: NoError, View: ViewDetailedMerged, Merged: aliceMerged, Events: 5, Subjects: detailed, Hours: true}},
		// AvailabilityOnly: Detailed views are downgraded and say so.
		{ViewDetailed, "avail@example.com", summary{Code: NoError, View: ViewFreeBusy, Events: 5, Hours: true}},
		{ViewDetailedMerged, "avail@example.com", summary{Code: NoError, View: ViewFreeBusyMerged, Merged: aliceMerged, Events: 5, Hours: true}},
		{ViewMergedOnly, "avail@example.com", summary{Code: NoError, View: ViewMergedOnly, Merged: aliceMerged, Hours: true}},
		// None: an error for that mailbox only.
		{ViewDetailedMerged, "none@example.com", summary{Code: ErrorNoFreeBusyAccess, View: ViewNone}},
		{ViewFreeBusy, "empty@example.com", summary{Code: NoError, View: ViewFreeBusy, Hours: true}},
	}
	for _, tt := range tests {
		t.Run(string(tt.view)+"/"+tt.mailbox, func(t *testing.T) {
			var out GetUserAvailabilityResponse
			r := ts.do(t, call{body: availability(tt.view, tt.mailbox)}, &out)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.data)
			}
			if len(out.FreeBusyResponses) != 1 {
				t.Fatalf("%d responses, want 1", len(out.FreeBusyResponses))
			}
			if diff := cmp.Diff(tt.want, summarize(out.FreeBusyResponses[0])); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if out.SuggestionsResponse != nil {
				t.Error("suggestions answered though none were asked for")
			}
			if strings.Contains(string(r.data), secretWord) || strings.Contains(string(r.data), secretPlace) {
				t.Errorf("private details leaked:\n%s", r.data)
			}
		})
	}
	if logs := ts.logs.String(); strings.Contains(logs, secretWord) || strings.Contains(logs, "Planning") {
		t.Errorf("log lines carry details:\n%s", logs)
	}
}

func TestPrivateAndDetails(t *testing.T) {
	ts := newTestServer(t, nil)
	var out GetUserAvailabilityResponse
	ts.do(t, call{body: availability(ViewDetailed, "alice@example.com")}, &out)
	events := out.FreeBusyResponses[0].FreeBusyView.CalendarEvents.Events
	got := map[string]CalendarEventDetails{}
	for _, e := range events {
		got[e.StartTime.Time.UTC().Format("15:04")] = *e.Details
	}
	want := map[string]CalendarEventDetails{
		"22:00": {ID: "e5", Subject: "Flight"},
		"09:00": {ID: "e1", Subject: "Planning", Location: "Room 1", IsMeeting: true},
		"11:00": {IsPrivate: true},
		"13:00": {ID: "e3", Subject: "Lunch"},
		"14:00": {ID: "e4", Subject: "Home office"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
	if bt := events[len(events)-1].BusyType; bt != WorkingElsewhere {
		t.Errorf("busy type for an Exchange2013 client = %q, want WorkingElsewhere", bt)
	}
}

func TestWorkingElsewhereForOldClients(t *testing.T) {
	ts := newTestServer(t, nil)
	var out GetUserAvailabilityResponse
	// As Microsoft's sample: no TimeZone, no offsets, no SOAPAction.
	env := `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><s:Header><t:RequestServerVersion Version="Exchange2010_SP1"/></s:Header><s:Body><m:GetUserAvailabilityRequest><m:MailboxDataArray><t:MailboxData><t:Email><t:Address>alice@example.com</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType></t:MailboxData></m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>2024-03-11T00:00:00</t:StartTime><t:EndTime>2024-03-12T00:00:00</t:EndTime></t:TimeWindow><t:MergedFreeBusyIntervalInMinutes>60</t:MergedFreeBusyIntervalInMinutes><t:RequestedView>FreeBusyMerged</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest></s:Body></s:Envelope>`
	r := ts.post(t, "/EWS/Exchange.asmx", []byte(env), call{basic: true}, &out)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.data)
	}
	v := out.FreeBusyResponses[0].FreeBusyView
	if want := "300000000202010000000000"; v.MergedFreeBusy != want {
		t.Errorf("merged = %s, want %s (working elsewhere shown free)", v.MergedFreeBusy, want)
	}
	for _, e := range v.CalendarEvents.Events {
		if e.BusyType == WorkingElsewhere {
			t.Error("WorkingElsewhere sent to an Exchange2010_SP1 client")
		}
	}
}

func TestTimeZones(t *testing.T) {
	ts := newTestServer(t, nil)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// 2024-03-10 is the New York DST change: the day is 23 hours long.
	nyDay := func() *GetUserAvailabilityRequest {
		req := availability(ViewFreeBusyMerged, "alice@example.com")
		req.FreeBusyViewOptions.TimeWindow = Duration{StartTime: Wall(time.Date(2024, 3, 10, 0, 0, 0, 0, ny), ny), EndTime: Wall(time.Date(2024, 3, 11, 0, 0, 0, 0, ny), ny)}
		return req
	}
	tzBody := nyDay()
	tz := TimeZoneFor(ny, 2024)
	tzBody.TimeZone = &tz
	ctxBody := nyDay()
	ctxBody.TimeZone = nil
	tests := []struct {
		name    string
		body    *GetUserAvailabilityRequest
		headers []any
	}{
		{"TimeZone element", tzBody, nil},
		{"TimeZoneContext header", ctxBody, []any{[]byte(`<t:TimeZoneContext xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:TimeZoneDefinition Id="Eastern Standard Time"/></t:TimeZoneContext>`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out GetUserAvailabilityResponse
			r := ts.do(t, call{body: tt.body, headers: tt.headers}, &out)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.data)
			}
			v := out.FreeBusyResponses[0].FreeBusyView
			// 23 local hours from 05:00 UTC; alice's OOF item, 22:00–01:00
			// UTC, is 18:00–21:00 EDT.
			if want := "00000000000000000333000"; v.MergedFreeBusy != want {
				t.Errorf("merged = %s, want %s", v.MergedFreeBusy, want)
			}
			// Exchange writes event times as wall-clock readings in the
			// request's zone, with no offset (CalendarEvent.cs).
			if first := v.CalendarEvents.Events[0].StartTime; first.String() != "2024-03-10T18:00:00" {
				t.Errorf("first event starts %v; want 2024-03-10T18:00:00, New York's wall clock", first)
			}
		})
	}
}

func TestPerMailboxErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	var out GetUserAvailabilityResponse
	ts.do(t, call{body: availability(ViewFreeBusy, "nobody@example.com", "none@example.com", "policyfails@example.com", "not-an-address", "alice@example.com")}, &out)
	var got []ResponseCode
	for _, r := range out.FreeBusyResponses {
		got = append(got, r.ResponseMessage.ResponseCode)
		if r.ResponseMessage.ResponseCode != NoError && r.ResponseMessage.ResponseClass != Error {
			t.Errorf("%s has class %s", r.ResponseMessage.ResponseCode, r.ResponseMessage.ResponseClass)
		}
	}
	want := []ResponseCode{ErrorMailRecipientNotFound, ErrorNoFreeBusyAccess, ErrorFreeBusyGenerationFailed, ErrorMailRecipientNotFound, NoError}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes in request order (-want +got):\n%s", diff)
	}
	if strings.Contains(ts.logs.String(), "directory unavailable") == false {
		t.Error("the policy's failure is not in the server log")
	}

	broken := newTestServer(t, func(c *HandlerConfig) { c.Calendars = failingSource{c.Calendars} })
	out = GetUserAvailabilityResponse{}
	broken.do(t, call{body: availability(ViewFreeBusy, "alice@example.com")}, &out)
	if c := out.FreeBusyResponses[0].ResponseMessage.ResponseCode; c != ErrorFreeBusyGenerationFailed {
		t.Errorf("failing source: %s, want ErrorFreeBusyGenerationFailed", c)
	}
	if strings.Contains(string(mustMarshal(t, out)), "store offline") {
		t.Error("the source's error reached the caller")
	}
}

// TestWindowWholeDays: Exchange compares the window's whole days with
// MaximumQueryIntervalDays (62), so 62 days and 23 hours are answered.
func TestWindowWholeDays(t *testing.T) {
	ts := newTestServer(t, nil)
	req := availability(ViewFreeBusy, "alice@example.com")
	req.FreeBusyViewOptions.TimeWindow.EndTime = At(testDay.AddDate(0, 0, 62).Add(23 * time.Hour))
	var out GetUserAvailabilityResponse
	r := ts.do(t, call{body: req}, &out)
	if r.status != http.StatusOK || len(out.FreeBusyResponses) != 1 {
		t.Fatalf("status %d: %s", r.status, r.data)
	}
	if c := out.FreeBusyResponses[0].ResponseMessage.ResponseCode; c != NoError {
		t.Errorf("code %s, want NoError", c)
	}
}

func TestRequestErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	many := make([]string, 101)
	for i := range many {
		many[i] = "alice@example.com"
	}
	mod := func(f func(*GetUserAvailabilityRequest)) *GetUserAvailabilityRequest {
		r := availability(ViewFreeBusy, "alice@example.com")
		f(r)
		return r
	}
	tests := []struct {
		name string
		body any
		want ResponseCode
	}{
		{"101 mailboxes", availability(ViewFreeBusy, many...), ErrorMailboxDataArrayTooBig},
		{"no mailboxes", availability(ViewFreeBusy), ErrorMailboxDataArrayEmpty},
		{"end before start", mod(func(r *GetUserAvailabilityRequest) {
			r.FreeBusyViewOptions.TimeWindow.EndTime = At(testDay.Add(-time.Hour))
		}), ErrorInvalidTimeInterval},
		{"63 days", mod(func(r *GetUserAvailabilityRequest) {
			r.FreeBusyViewOptions.TimeWindow.EndTime = At(testDay.AddDate(0, 0, 63))
		}), ErrorTimeIntervalTooBig},
		{"interval longer than a Detailed window", mod(func(r *GetUserAvailabilityRequest) {
			r.FreeBusyViewOptions.RequestedView = ViewDetailed
			r.FreeBusyViewOptions.TimeWindow.EndTime = At(testDay.Add(59 * time.Minute))
		}), ErrorInvalidMergedFreeBusyInterval},
		{"suggestions outside the free/busy window", mod(func(r *GetUserAvailabilityRequest) {
			r.SuggestionsViewOptions = &SuggestionsViewOptions{
				DetailedSuggestionsWindow: Duration{StartTime: At(testDay), EndTime: At(testDay.AddDate(0, 0, 2))},
			}
		}), ErrorInvalidRequest},
		{"meeting of 29 minutes", &GetUserAvailabilityRequest{
			MailboxData: []MailboxData{{Email: EmailAddress{Address: "alice@example.com"}}},
			SuggestionsViewOptions: &SuggestionsViewOptions{
				MeetingDurationInMinutes:  29,
				DetailedSuggestionsWindow: Duration{StartTime: At(testDay), EndTime: At(testDay.AddDate(0, 0, 1))},
			},
		}, ErrorInvalidRequest},
		{"suggestions over 63 days", &GetUserAvailabilityRequest{
			MailboxData: []MailboxData{{Email: EmailAddress{Address: "alice@example.com"}}},
			SuggestionsViewOptions: &SuggestionsViewOptions{
				DetailedSuggestionsWindow: Duration{StartTime: At(testDay), EndTime: At(testDay.AddDate(0, 0, 63))},
			},
		}, ErrorTimeIntervalTooBig},
		{"interval 4", mod(func(r *GetUserAvailabilityRequest) { r.FreeBusyViewOptions.MergedFreeBusyIntervalInMinutes = 4 }), ErrorInvalidMergedFreeBusyInterval},
		{"interval 1441", mod(func(r *GetUserAvailabilityRequest) { r.FreeBusyViewOptions.MergedFreeBusyIntervalInMinutes = 1441 }), ErrorInvalidMergedFreeBusyInterval},
		{"view None", mod(func(r *GetUserAvailabilityRequest) { r.FreeBusyViewOptions.RequestedView = ViewNone }), ErrorInvalidFreeBusyViewType},
		{"no options", mod(func(r *GetUserAvailabilityRequest) { r.FreeBusyViewOptions = nil }), ErrorInvalidRequest},
		{"unknown zone", mod(func(r *GetUserAvailabilityRequest) {
			r.TimeZone.StandardTime.Month = 13
			r.TimeZone.DaylightTime.Month = 4
			r.TimeZone.DaylightTime.Bias = -60
		}), ErrorTimeZone},
		{"wrong body", &GetServerTimeZonesResponse{}, ErrorInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(t, call{body: tt.body}, nil)
			if r.status != http.StatusInternalServerError || r.fault == nil {
				t.Fatalf("status %d, fault %v; want a SOAP fault", r.status, r.fault)
			}
			if r.fault.ResponseCode != string(tt.want) || r.fault.Code != "Client" {
				t.Errorf("fault %s/%s, want Client/%s", r.fault.Code, r.fault.ResponseCode, tt.want)
			}
		})
	}
}

// TestNewHandlerReportsEveryMissingField: both required parts are named at
// once, each matchable by its sentinel.
func TestNewHandlerReportsEveryMissingField(t *testing.T) {
	_, err := NewHandler(HandlerConfig{})
	if !errors.Is(err, ErrNoCalendars) || !errors.Is(err, ErrNoPolicy) {
		t.Fatalf("NewHandler(HandlerConfig{}) = %v, want ErrNoCalendars and ErrNoPolicy", err)
	}
}

// TestUnavailableSource: a source that says "busy, retry later" gets
// Exchange's answer for an unreachable mailbox database,
// ErrorMailboxLogonFailed for that mailbox (not a generation failure), with
// the wait as BackOffMilliseconds when the source knows it; the cause stays
// in the server's log.
func TestUnavailableSource(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		want       map[string]string
	}{
		{"wait known", 1500 * time.Millisecond, map[string]string{"BackOffMilliseconds": "1500"}},
		{"sub-millisecond wait rounds up", time.Microsecond, map[string]string{"BackOffMilliseconds": "1"}},
		{"wait unknown", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *HandlerConfig) {
				c.Calendars = unavailableSource{Source: c.Calendars, retryAfter: tt.retryAfter}
			})
			var out GetUserAvailabilityResponse
			ts.do(t, call{body: availability(ViewFreeBusy, "alice@example.com")}, &out)
			rm := out.FreeBusyResponses[0].ResponseMessage
			if rm.ResponseCode != ErrorMailboxLogonFailed || rm.ResponseClass != Error {
				t.Fatalf("answer %s/%s, want Error/ErrorMailboxLogonFailed", rm.ResponseClass, rm.ResponseCode)
			}
			// Exchange's MessageXml for the exception comes with the wait.
			want := map[string]string{"ExceptionType": "MailboxLogonFailedException", "ExceptionCode": "5008", "ExceptionMessage": "Mailbox logon failed.", "ExceptionServerName": "127.0.0.1"}
			maps.Copy(want, tt.want)
			if diff := cmp.Diff(want, rm.MessageXML.Map()); diff != "" {
				t.Errorf("MessageXml values (-want +got):\n%s", diff)
			}
			if strings.Contains(string(mustMarshal(t, out)), "store restarting") {
				t.Error("the source's error reached the caller")
			}
			if !strings.Contains(ts.logs.String(), "store restarting") {
				t.Error("the source's error is not in the server log")
			}
		})
	}
}
