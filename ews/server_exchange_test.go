package ews

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/calendar"
)

// TestPrivateItems: a private item shows to anyone but its owner as
// IsPrivate alone, every other flag false and no ID, subject or location
// (CalendarEvent.CreateFromQueryData); its owner sees it whole.
func TestPrivateItems(t *testing.T) {
	var cal calendar.Memory
	cal.Add("carol@example.com", calendar.Event{
		Start: at(9, 0), End: at(10, 0), BusyType: calendar.Busy, ID: "p1", Subject: secretWord, Location: secretPlace,
		IsPrivate: true, IsMeeting: true, IsRecurring: true, IsException: true, IsReminderSet: true,
	})
	ts := newTestServer(t, func(c *HandlerConfig) { c.Calendars = &cal })
	tests := []struct {
		name  string
		basic bool // carol herself, else a partner
		want  CalendarEventDetails
	}{
		{"partner", false, CalendarEventDetails{IsPrivate: true}},
		{"owner", true, CalendarEventDetails{ID: "p1", Subject: secretWord, Location: secretPlace, IsMeeting: true, IsRecurring: true, IsException: true, IsReminderSet: true, IsPrivate: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := call{body: availability(ViewDetailed, "carol@example.com")}
			if tt.basic {
				c.path, c.token, c.basic = "/EWS/Exchange.asmx", "-", true
			}
			var out GetUserAvailabilityResponse
			if r := ts.do(t, c, &out); r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.data)
			}
			ev := out.FreeBusyResponses[0].FreeBusyView.CalendarEvents.Events
			if len(ev) != 1 || ev[0].Details == nil {
				t.Fatalf("events %+v", ev)
			}
			if diff := cmp.Diff(tt.want, *ev[0].Details); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExchangeDefaults pins Exchange's defaults and precedence rules.
func TestExchangeDefaults(t *testing.T) {
	ts := newTestServer(t, nil)
	ny := `<t:TimeZoneContext xmlns:t="` + TypesNS + `"><t:TimeZoneDefinition Id="Eastern Standard Time"/></t:TimeZoneContext>`
	utc := `<t:TimeZoneContext xmlns:t="` + TypesNS + `"><t:TimeZoneDefinition Id="UTC"/></t:TimeZoneContext>`
	tokyo := TimeZoneFor(time.FixedZone("JST", 9*3600), 2024)
	tests := []struct {
		name    string
		edit    func(*GetUserAvailabilityRequest)
		headers []any
		// view is the FreeBusyViewType answered; first the first event's
		// start as written.
		view  ViewType
		first string
	}{
		// FreeBusyViewOptions.Init: FreeBusy, interval 30.
		{"no RequestedView is FreeBusy", func(r *GetUserAvailabilityRequest) { r.FreeBusyViewOptions.RequestedView = "" }, nil, ViewFreeBusy, "2024-03-10T22:00:00"},
		// GetUserAvailability.Execute: the header wins unless it is UTC.
		{"TimeZoneContext over TimeZone", func(r *GetUserAvailabilityRequest) { r.TimeZone = &tokyo }, []any{[]byte(ny)}, ViewFreeBusyMerged, "2024-03-10T18:00:00"},
		{"UTC TimeZoneContext gives way to TimeZone", func(r *GetUserAvailabilityRequest) { r.TimeZone = &tokyo }, []any{[]byte(utc)}, ViewFreeBusyMerged, "2024-03-11T07:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := availability(ViewFreeBusyMerged, "alice@example.com")
			tt.edit(req)
			var out GetUserAvailabilityResponse
			r := ts.do(t, call{body: req, headers: tt.headers, validate: true}, &out)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.data)
			}
			v := out.FreeBusyResponses[0].FreeBusyView
			if v.FreeBusyViewType != tt.view {
				t.Errorf("view %s, want %s", v.FreeBusyViewType, tt.view)
			}
			if first := v.CalendarEvents.Events[0].StartTime; first.String() != tt.first {
				t.Errorf("first event starts %s, want %s", first, tt.first)
			}
		})
	}
}

// TestExternalAccessDenied: Exchange authenticates a genuine delegation
// token and then refuses, with an ErrorAccessDenied SOAP fault rather than
// HTTP 401, a token of another offer and a federated request older than
// Exchange2010 (ServiceCommandBase.PreExecute; Exchange2009 counts as
// Exchange2010).
func TestExternalAccessDenied(t *testing.T) {
	ts := newTestServer(t, nil)
	body := availability(ViewFreeBusy, "alice@example.com")
	tests := []struct {
		name string
		c    call
		want ResponseCode // "" for an answer
	}{
		{"token for the Autodiscover offer", call{body: body, token: `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">autodiscover</xenc:EncryptedData>`}, ErrorAccessDenied},
		{"federated Exchange2007_SP1", call{body: body, version: Exchange2007SP1}, ErrorAccessDenied},
		{"federated Exchange2009", call{body: body, version: Exchange2009}, ""},
		{"internal Exchange2007_SP1", call{body: body, version: Exchange2007SP1, path: "/EWS/Exchange.asmx", token: "-", basic: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(t, tt.c, nil)
			switch {
			case tt.want == "" && r.status != http.StatusOK:
				t.Errorf("status %d, want 200: %s", r.status, r.data)
			case tt.want != "" && (r.fault == nil || r.fault.ResponseCode != string(tt.want) || r.fault.Code != "Client"):
				t.Errorf("status %d, fault %+v; want a Client fault %s", r.status, r.fault, tt.want)
			}
		})
	}
}

// TestMailboxErrorMessageXml: a per-mailbox error carries MessageXml as
// Exchange's ResponseMessageBuilder writes it — the exception's type and
// availability error number, its message and the server's name — and the
// client hands them back in MailboxError.Values.
func TestMailboxErrorMessageXml(t *testing.T) {
	ts := newTestServer(t, nil)
	res, err := federatedClient(ts, goodToken).GetUserAvailability(t.Context(), dayRequest(ViewFreeBusy, "none@example.com", "nobody@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"ExceptionType": "NoFreeBusyAccessException", "ExceptionCode": "5037", "ExceptionMessage": "The requester does not have permission to see this mailbox's free/busy information.", "ExceptionServerName": "127.0.0.1"},
		{"ExceptionType": "MailRecipientNotFoundException", "ExceptionCode": "5009", "ExceptionMessage": "No mailbox with this address was found.", "ExceptionServerName": "127.0.0.1"},
	}
	for i, m := range res.Mailboxes {
		var me *MailboxError
		if !errors.As(m.Err, &me) {
			t.Fatalf("mailbox %d: err %v, want a *MailboxError", i, m.Err)
		}
		if diff := cmp.Diff(want[i], me.Values); diff != "" {
			t.Errorf("mailbox %d MessageXml (-want +got):\n%s", i, diff)
		}
	}
}
