package ews

import (
	"encoding/xml"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testshared"
)

func ptr[T any](v T) *T { return &v }

// sampleRequest is every field of GetUserAvailabilityRequest filled in.
func sampleRequest() *GetUserAvailabilityRequest {
	pacific := SerializableTimeZone{
		Bias:         480,
		StandardTime: TimeZoneTime{Bias: 0, Time: "02:00:00", DayOrder: 1, Month: 11, DayOfWeek: "Sunday"},
		DaylightTime: TimeZoneTime{Bias: -60, Time: "02:00:00", DayOrder: 2, Month: 3, DayOfWeek: "Sunday"},
	}
	day := func(d, h int) DateTime {
		return DateTime{Time: time.Date(2025, 3, d, h, 0, 0, 0, time.UTC), Floating: true}
	}
	return &GetUserAvailabilityRequest{
		TimeZone: &pacific,
		MailboxData: []MailboxData{
			{Email: EmailAddress{Name: "Bob", Address: "bob@b.example", RoutingType: "SMTP"}, AttendeeType: Required, ExcludeConflicts: ptr(false)},
			{Email: EmailAddress{Address: "room1@b.example"}, AttendeeType: Room},
		},
		FreeBusyViewOptions: &FreeBusyViewOptions{
			TimeWindow:                      Duration{StartTime: day(10, 0), EndTime: day(11, 0)},
			MergedFreeBusyIntervalInMinutes: 30,
			RequestedView:                   ViewDetailedMerged,
		},
		SuggestionsViewOptions: &SuggestionsViewOptions{
			GoodThreshold:                  25,
			MaximumResultsByDay:            10,
			MaximumNonWorkHourResultsByDay: 0,
			MeetingDurationInMinutes:       60,
			MinimumSuggestionQuality:       Good,
			DetailedSuggestionsWindow:      Duration{StartTime: day(10, 0), EndTime: day(11, 0)},
			CurrentMeetingTime:             ptr(day(10, 9)),
		},
	}
}

// sampleResponse exercises every element of the answer, including all four
// conflict kinds, WorkingElsewhere and a per-mailbox error with MessageXml.
func sampleResponse() *GetUserAvailabilityResponse {
	pdt := time.FixedZone("", -7*3600)
	at := func(h, m int) DateTime { return At(time.Date(2025, 3, 10, h, m, 0, 0, pdt)) }
	req := sampleRequest()
	return &GetUserAvailabilityResponse{
		FreeBusyResponses: []FreeBusyResponse{
			{
				ResponseMessage: &ResponseMessage{ResponseClass: Success, ResponseCode: NoError},
				FreeBusyView: &FreeBusyView{
					FreeBusyViewType: ViewDetailedMerged,
					MergedFreeBusy:   "000000000000000022250000000000000000000000000000",
					CalendarEvents: &CalendarEvents{Events: []CalendarEvent{
						{StartTime: at(8, 0), EndTime: at(9, 30), BusyType: Busy, Details: &CalendarEventDetails{ID: "AAA", Subject: "Planning", Location: "Room 1", IsMeeting: true}},
						{StartTime: at(9, 30), EndTime: at(10, 0), BusyType: WorkingElsewhere},
						{StartTime: at(10, 0), EndTime: at(11, 0), BusyType: Busy, Details: &CalendarEventDetails{IsPrivate: true}},
					}},
					WorkingHours: &WorkingHours{
						TimeZone:       *req.TimeZone,
						WorkingPeriods: []WorkingPeriod{{DayOfWeek: "Monday Tuesday Wednesday Thursday Friday", StartTimeInMinutes: 480, EndTimeInMinutes: 1020}},
					},
				},
			},
			{
				ResponseMessage: &ResponseMessage{
					ResponseClass: Error, ResponseCode: ErrorNoFreeBusyAccess, MessageText: "no access",
					DescriptiveLinkKey: ptr(0),
					MessageXML:         &MessageXML{Values: []soap.MessageValue{{Name: "ExceptionType", Value: "NoFreeBusyAccessException"}}},
				},
			},
		},
		SuggestionsResponse: &SuggestionsResponse{
			ResponseMessage: &ResponseMessage{ResponseClass: Success, ResponseCode: NoError},
			Days: []SuggestionDayResult{{
				Date:       DateTime{Time: time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), Floating: true},
				DayQuality: Good,
				Suggestions: []Suggestion{{
					MeetingTime: at(13, 0), IsWorkTime: true, SuggestionQuality: Excellent,
					Conflicts: &AttendeeConflicts{Items: []AttendeeConflictData{
						{Kind: ConflictIndividual, BusyType: Free},
						{Kind: ConflictGroup, NumberOfMembers: 5, NumberOfMembersAvailable: 3, NumberOfMembersWithConflict: 1, NumberOfMembersWithNoData: 1},
						{Kind: ConflictTooBig},
						{Kind: ConflictUnknown},
					}},
				}},
			}},
		},
	}
}

func envelope(t *testing.T, body any) []byte {
	t.Helper()
	env := soap.Envelope{Version: soap.V11, Headers: []any{&requestServerVersion{Version: string(Exchange2013)}}, Body: body}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWireTypesRoundTrip(t *testing.T) {
	falseV := false
	tests := []struct {
		name   string
		golden string
		value  any
		fresh  func() any
	}{
		{"request", "wire-request.xml", sampleRequest(), func() any { return new(GetUserAvailabilityRequest) }},
		{"response", "wire-response.xml", sampleResponse(), func() any { return new(GetUserAvailabilityResponse) }},
		{"GetServerTimeZones", "wire-getservertimezones.xml", &GetServerTimeZones{ReturnFullTimeZoneData: &falseV, IDs: &TimeZoneIDs{IDs: []string{"Pacific Standard Time"}}}, func() any { return new(GetServerTimeZones) }},
		{"GetServerTimeZonesResponse", "wire-getservertimezones-response.xml", sampleServerTimeZones(), func() any { return new(GetServerTimeZonesResponse) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := envelope(t, tt.value)
			testshared.ValidateEWSEnvelope(t, env)
			golden(t, tt.golden, env)
			got := tt.fresh()
			if _, err := soap.Decode(env, soap.DecodeOptions{Body: got}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.value, got, cmpWire()); diff != "" {
				t.Errorf("round trip (-sent +decoded):\n%s", diff)
			}
		})
	}
}

// cmpWire compares wire values, ignoring XMLName and comparing instants
// rather than locations.
func cmpWire() cmp.Option {
	return cmp.Options{
		cmp.FilterPath(func(p cmp.Path) bool {
			sf, ok := p.Last().(cmp.StructField)
			return ok && sf.Name() == "XMLName"
		}, cmp.Ignore()),
		cmp.Comparer(func(a, b time.Time) bool {
			_, oa := a.Zone()
			_, ob := b.Zone()
			return a.Equal(b) && oa == ob
		}),
	}
}

func sampleServerTimeZones() *GetServerTimeZonesResponse {
	tname := xml.Name{Space: TypesNS, Local: "Transition"}
	rday := xml.Name{Space: TypesNS, Local: "RecurringDayTransition"}
	return &GetServerTimeZonesResponse{Messages: []GetServerTimeZonesResponseMessage{{
		ResponseMessage: ResponseMessage{ResponseClass: Success, ResponseCode: NoError},
		Definitions: TimeZoneDefinitions{Definitions: []TimeZoneDefinition{{
			ID: "W. Europe Standard Time", Name: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
			Periods: &Periods{Periods: []Period{
				{Bias: "-PT1H", Name: "Standard", ID: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard"},
				{Bias: "-PT2H", Name: "Daylight", ID: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Daylight"},
			}},
			TransitionsGroups: &TransitionsGroups{Groups: []Transitions{{ID: "0", Items: []Transition{
				{XMLName: rday, To: TransitionTarget{Kind: "Period", Value: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Daylight"}, TimeOffset: "PT2H", Month: 3, DayOfWeek: "Sunday", Occurrence: -1},
				{XMLName: rday, To: TransitionTarget{Kind: "Period", Value: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard"}, TimeOffset: "PT3H", Month: 10, DayOfWeek: "Sunday", Occurrence: -1},
			}}}},
			Transitions: &Transitions{Items: []Transition{{XMLName: tname, To: TransitionTarget{Kind: "Group", Value: "0"}}}},
		}}},
	}}}
}

// TestDecodeSamples decodes Microsoft's documented request and response.
func TestDecodeSamples(t *testing.T) {
	var req GetUserAvailabilityRequest
	if _, err := soap.Decode(testshared.Sample(t, "GetUserAvailability-request.docs.xml"), soap.DecodeOptions{Body: &req}); err != nil {
		t.Fatal(err)
	}
	wantReq := GetUserAvailabilityRequest{
		TimeZone: &SerializableTimeZone{
			Bias:         480,
			StandardTime: TimeZoneTime{Time: "02:00:00", DayOrder: 5, Month: 10, DayOfWeek: "Sunday"},
			DaylightTime: TimeZoneTime{Bias: -60, Time: "02:00:00", DayOrder: 1, Month: 4, DayOfWeek: "Sunday"},
		},
		MailboxData: []MailboxData{
			{Email: EmailAddress{Address: "user1@example.com"}, AttendeeType: Required, ExcludeConflicts: ptr(false)},
			{Email: EmailAddress{Address: "user2@example.com"}, AttendeeType: Required, ExcludeConflicts: ptr(false)},
		},
		FreeBusyViewOptions: &FreeBusyViewOptions{
			TimeWindow: Duration{
				StartTime: DateTime{Time: time.Date(2006, 10, 16, 0, 0, 0, 0, time.UTC), Floating: true},
				EndTime:   DateTime{Time: time.Date(2006, 10, 16, 23, 59, 59, 0, time.UTC), Floating: true},
			},
			MergedFreeBusyIntervalInMinutes: 60,
			RequestedView:                   ViewDetailedMerged,
		},
	}
	if diff := cmp.Diff(&wantReq, &req, cmpWire()); diff != "" {
		t.Errorf("request sample (-want +got):\n%s", diff)
	}

	var resp GetUserAvailabilityResponse
	if _, err := soap.Decode(testshared.Sample(t, "GetUserAvailability-response.docs.xml"), soap.DecodeOptions{Body: &resp}); err != nil {
		t.Fatal(err)
	}
	if len(resp.FreeBusyResponses) != 2 {
		t.Fatalf("got %d FreeBusyResponses, want 2", len(resp.FreeBusyResponses))
	}
	v := resp.FreeBusyResponses[0].FreeBusyView
	pdt := time.FixedZone("", -7*3600)
	wantFirst := CalendarEvent{
		StartTime: At(time.Date(2006, 10, 16, 6, 0, 0, 0, pdt)),
		EndTime:   At(time.Date(2006, 10, 16, 6, 30, 0, 0, pdt)),
		BusyType:  Busy,
		Details:   &CalendarEventDetails{ID: "14B6414B0", Subject: "Meet with Contoso Account Executives"},
	}
	if diff := cmp.Diff(wantFirst, v.CalendarEvents.Events[0], cmpWire()); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}
	if v.FreeBusyViewType != ViewDetailedMerged || v.MergedFreeBusy != "000002220220000000000000" || len(v.CalendarEvents.Events) != 3 {
		t.Errorf("first view = %s %q with %d events", v.FreeBusyViewType, v.MergedFreeBusy, len(v.CalendarEvents.Events))
	}
	if got := v.WorkingHours.WorkingPeriods; len(got) != 1 || got[0].StartTimeInMinutes != 480 || got[0].EndTimeInMinutes != 1020 {
		t.Errorf("working periods = %+v", got)
	}
	if got := resp.FreeBusyResponses[1].FreeBusyView.CalendarEvents.Events[0].BusyType; got != Tentative {
		t.Errorf("second mailbox's event busy type = %q, want Tentative", got)
	}
}
