package ews

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestVersionOrder: Exchange's ExchangeVersionType order, the unpublished
// Exchange2009 and Exchange2012 included, decides the schema of an answer.
func TestVersionOrder(t *testing.T) {
	shuffled := []Version{"Exchange2099", Exchange2016, "V2_8", Exchange2013SP1, "V2_1", Exchange2013, Exchange2012, Exchange2010SP2, Exchange2010SP1, Exchange2010, Exchange2009, Exchange2007SP1, Exchange2007}
	got := slices.Clone(shuffled)
	slices.SortFunc(got, Version.Compare)
	want := slices.Clone(shuffled)
	slices.Reverse(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		v    Version
		want bool
	}{
		{Exchange2007, false}, {Exchange2009, false}, {Exchange2010SP2, false},
		{Exchange2012, true}, {Exchange2013, true}, {"V2_5", true}, {Exchange2016, true}, {"Exchange2099", true},
	} {
		if got := newSchema(tt.v); got != tt.want {
			t.Errorf("newSchema(%s) = %v, want %v", tt.v, got, tt.want)
		}
	}
	if Version("Exchange2099").KnownVersion() || !Exchange2009.KnownVersion() {
		t.Error("KnownVersion is wrong")
	}
}

// TestProxyVersions: the names Exchange's availability proxy sends. An
// Exchange2009 request gets the old schema (working elsewhere shown free),
// an Exchange2012 request the new one.
func TestProxyVersions(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, tt := range []struct {
		version Version
		merged  string
	}{
		{Exchange2009, "300000000202010000000000"},
		{Exchange2012, aliceMerged},
	} {
		env := `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><s:Header><t:RequestServerVersion Version="` + string(tt.version) + `"/></s:Header><s:Body><m:GetUserAvailabilityRequest><m:MailboxDataArray><t:MailboxData><t:Email><t:Address>alice@example.com</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType></t:MailboxData></m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>2024-03-11T00:00:00</t:StartTime><t:EndTime>2024-03-12T00:00:00</t:EndTime></t:TimeWindow><t:MergedFreeBusyIntervalInMinutes>60</t:MergedFreeBusyIntervalInMinutes><t:RequestedView>FreeBusyMerged</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest></s:Body></s:Envelope>`
		var out GetUserAvailabilityResponse
		r := ts.post(t, "/EWS/Exchange.asmx", []byte(env), call{basic: true}, &out)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tt.version, r.status, r.data)
		}
		v := out.FreeBusyResponses[0].FreeBusyView
		if v.MergedFreeBusy != tt.merged {
			t.Errorf("%s: merged %s, want %s", tt.version, v.MergedFreeBusy, tt.merged)
		}
		if tt.version == Exchange2009 && strings.Contains(string(r.data), "WorkingElsewhere") {
			t.Errorf("%s: WorkingElsewhere in an old-schema answer", tt.version)
		}
	}
}
