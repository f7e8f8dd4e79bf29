package ews

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuthentication(t *testing.T) {
	ts := newTestServer(t, nil)
	body := availability(ViewFreeBusy, "alice@example.com")
	// Password paths challenge as IIS does (issue 13.8); token paths do not:
	// no password would help there.
	basicRealm := `Basic realm="127.0.0.1"`
	tests := []struct {
		name      string
		c         call
		want      int
		challenge string
	}{
		{"federated with a good token", call{body: body}, http.StatusOK, ""},
		{"federated without a token", call{body: body, token: "-"}, http.StatusUnauthorized, ""},
		{"federated with a forged token", call{body: body, token: badToken}, http.StatusUnauthorized, ""},
		{"federated with a token of the wrong kind", call{body: body, token: `<x:Assertion xmlns:x="urn:x">good</x:Assertion>`}, http.StatusUnauthorized, ""},
		{"internal with a password", call{body: body, path: "/EWS/Exchange.asmx", token: "-", basic: true}, http.StatusOK, ""},
		{"internal without a password", call{body: body, path: "/EWS/Exchange.asmx", token: "-"}, http.StatusUnauthorized, basicRealm},
		{"internal path ignores a token", call{body: body, path: "/EWS/Exchange.asmx"}, http.StatusUnauthorized, basicRealm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(t, tt.c, nil)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.data)
			}
			if r.status == http.StatusUnauthorized && len(r.data) != 0 {
				t.Errorf("401 carries a body: %q", r.data)
			}
			if got := r.header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
		})
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, "signature does not verify") {
		t.Error("the reason a token was refused is not in the server log")
	}
	if strings.Contains(logs, "forged") || strings.Contains(logs, "secret") {
		t.Errorf("the log carries a token or a password:\n%s", logs)
	}

	none := newTestServer(t, func(c *HandlerConfig) { c.Tokens, c.Authenticate = nil, nil })
	for _, path := range []string{"/EWS/Exchange.asmx/WSSecurity", "/EWS/Exchange.asmx"} {
		if r := none.do(t, call{body: body, path: path, basic: true}, nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s without authenticators: status %d, want 401", path, r.status)
		}
	}
}

func TestTransport(t *testing.T) {
	ts := newTestServer(t, func(c *HandlerConfig) { c.MaxBodyBytes = 4096 })
	tests := []struct {
		name      string
		method    string
		body      string
		action    string
		want      int
		faultCode string
	}{
		{"GET", http.MethodGet, "", "", http.StatusMethodNotAllowed, ""},
		{"not XML", http.MethodPost, "hello", "", http.StatusInternalServerError, string(ErrorSchemaValidation)},
		{"DTD", http.MethodPost, `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>`, "", http.StatusInternalServerError, string(ErrorSchemaValidation)},
		{"too large", http.MethodPost, "<x>" + strings.Repeat("a", 5000) + "</x>", "", http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+"/EWS/Exchange.asmx/WSSecurity", strings.NewReader(tt.body))
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	// A body that disagrees with its SOAPAction is refused.
	r := ts.do(t, call{body: availability(ViewFreeBusy, "alice@example.com"), action: ActionGetServerTimeZones}, nil)
	if r.fault == nil || r.fault.ResponseCode != string(ErrorInvalidRequest) {
		t.Errorf("mismatched action: %d %v", r.status, r.fault)
	}
	// An unknown operation is a fault, not a panic.
	r = ts.do(t, call{body: &GetServerTimeZones{}, action: MessagesNS + "/FindItem"}, nil)
	if r.fault == nil || r.fault.ResponseCode != string(ErrorInvalidRequest) {
		t.Errorf("unknown operation: %d %v", r.status, r.fault)
	}
	// The action may come from the SOAPAction header or nowhere at all.
	for _, action := range []string{ActionGetUserAvailability, ""} {
		var out GetUserAvailabilityResponse
		if r := ts.do(t, call{body: availability(ViewMergedOnly, "alice@example.com"), action: action}, &out); r.status != http.StatusOK || len(out.FreeBusyResponses) != 1 {
			t.Errorf("action %q: status %d", action, r.status)
		}
	}
}

func TestGetServerTimeZones(t *testing.T) {
	ts := newTestServer(t, nil)
	yes, no := true, false
	tests := []struct {
		name     string
		req      GetServerTimeZones
		wantIDs  int // -1: many
		wantCode ResponseCode
		full     bool
	}{
		{"all, full", GetServerTimeZones{}, -1, NoError, true},
		{"all, names only", GetServerTimeZones{ReturnFullTimeZoneData: &no}, -1, NoError, false},
		{"two by ID", GetServerTimeZones{ReturnFullTimeZoneData: &yes, IDs: &TimeZoneIDs{IDs: []string{"Eastern Standard Time", "UTC"}}}, 2, NoError, true},
		{"unknown ID", GetServerTimeZones{IDs: &TimeZoneIDs{IDs: []string{"Mars Standard Time"}}}, 0, ErrorTimeZone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out GetServerTimeZonesResponse
			r := ts.do(t, call{body: &tt.req}, &out)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.data)
			}
			m := out.Messages[0]
			defs := m.Definitions.Definitions
			if m.ResponseCode != tt.wantCode || (tt.wantIDs >= 0 && len(defs) != tt.wantIDs) || (tt.wantIDs < 0 && len(defs) < 100) {
				t.Fatalf("code %s, %d definitions; want %s, %d", m.ResponseCode, len(defs), tt.wantCode, tt.wantIDs)
			}
			for _, d := range defs {
				if (d.Periods != nil) != tt.full {
					t.Errorf("%s: periods present = %v, want %v", d.ID, d.Periods != nil, tt.full)
				}
			}
		})
	}
}

// TestDefinitionMatchesWorkingHoursZone checks that what GetServerTimeZones
// says of a zone agrees with the SerializableTimeZone the same server puts
// in working hours, for zones with and without DST on both hemispheres.
func TestDefinitionMatchesWorkingHoursZone(t *testing.T) {
	for _, name := range []string{"Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := WindowsZoneID(name)
		d := DefinitionFor(id, "", loc, 2024)
		tz := TimeZoneFor(loc, 2024)
		var got []string
		for _, p := range d.Periods.Periods {
			got = append(got, p.Bias)
		}
		want := []string{xsDuration(tz.Bias)}
		if tz.HasDST() {
			want = append(want, xsDuration(tz.Bias+tz.DaylightTime.Bias))
			g := d.TransitionsGroups.Groups[0].Items
			if g[0].Month != tz.DaylightTime.Month || g[1].Month != tz.StandardTime.Month {
				t.Errorf("%s: transition months %d/%d, want %d/%d", name, g[0].Month, g[1].Month, tz.DaylightTime.Month, tz.StandardTime.Month)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (%s) period biases (-want +got):\n%s", name, id, diff)
		}
	}
}

func TestSuggestions(t *testing.T) {
	ts := newTestServer(t, nil)
	req := availability(ViewFreeBusy, "alice@example.com", "empty@example.com", "none@example.com")
	req.FreeBusyViewOptions = nil
	req.SuggestionsViewOptions = &SuggestionsViewOptions{
		MeetingDurationInMinutes:  60,
		MaximumResultsByDay:       3,
		MinimumSuggestionQuality:  Good,
		DetailedSuggestionsWindow: Duration{StartTime: At(testDay), EndTime: At(testDay.Add(24 * time.Hour))},
	}
	var out GetUserAvailabilityResponse
	r := ts.do(t, call{body: req}, &out)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.data)
	}
	if len(out.FreeBusyResponses) != 0 {
		t.Error("free/busy answered though only suggestions were asked for")
	}
	s := out.SuggestionsResponse
	if s == nil || s.ResponseMessage.ResponseCode != NoError || len(s.Days) != 1 {
		t.Fatalf("suggestions = %+v", s)
	}
	type row struct {
		Time      string
		Work      bool
		Quality   Quality
		Conflicts []ConflictKind
		Alice     BusyType
	}
	var got []row
	for _, sg := range s.Days[0].Suggestions {
		var kinds []ConflictKind
		for _, c := range sg.Conflicts.Items {
			kinds = append(kinds, c.Kind)
		}
		got = append(got, row{sg.MeetingTime.String(), sg.IsWorkTime, sg.SuggestionQuality, kinds, sg.Conflicts.Items[0].BusyType})
	}
	// Work hours 08–17 UTC; alice is busy 09–10, 11–12 and tentative 13–14.
	// The mailbox without access is unknown and never a conflict.
	kinds := []ConflictKind{ConflictIndividual, ConflictIndividual, ConflictUnknown}
	want := []row{
		{"2024-03-11T08:00:00", true, Excellent, kinds, Free},
		{"2024-03-11T10:00:00", true, Excellent, kinds, Free},
		{"2024-03-11T12:00:00", true, Excellent, kinds, Free},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
	if s.Days[0].DayQuality != Excellent {
		t.Errorf("day quality %s", s.Days[0].DayQuality)
	}

	req.SuggestionsViewOptions.GoodThreshold = 50
	if r := ts.do(t, call{body: req}, nil); r.fault == nil || r.fault.ResponseCode != string(ErrorInvalidRequest) {
		t.Errorf("GoodThreshold 50: %d %v", r.status, r.fault)
	}
}

// TestImpersonationRefusedForFederatedCallers: a delegation token speaks for
// its own user only, so t:ExchangeImpersonation fails a federated request
// and nothing of the mailbox is returned; internal callers are unaffected.
func TestImpersonationRefusedForFederatedCallers(t *testing.T) {
	ts := newTestServer(t, nil)
	imp := []any{[]byte(`<t:ExchangeImpersonation xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:ConnectingSID><t:PrimarySmtpAddress>alice@example.com</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`)}
	body := availability(ViewDetailed, "alice@example.com")
	tests := []struct {
		name string
		c    call
		want string // fault response code; "" for served
	}{
		{"federated", call{body: body, headers: imp}, string(ErrorProxyRequestNotAllowed)},
		{"internal", call{body: body, headers: imp, path: "/EWS/Exchange.asmx", token: "-", basic: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(t, tt.c, nil)
			got := ""
			if r.fault != nil {
				got = r.fault.ResponseCode
			}
			if got != tt.want {
				t.Fatalf("fault %q, want %q (status %d)", got, tt.want, r.status)
			}
			if tt.want != "" && strings.Contains(string(r.data), "Planning") {
				t.Error("the refused answer carries calendar data")
			}
		})
	}
}
