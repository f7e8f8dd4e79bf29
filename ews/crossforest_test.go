package ews

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testshared"
)

// TestCrossForestAuthRequest pins what an availability address space sends
// (protocol.md §9.4): Basic credentials, the URL without /WSSecurity,
// X-AnchorMailbox, and the SOAP headers TimeZoneContext, RequestTypeHeader
// CrossForest and MessageID in the order Exchange's proxy class writes them
// (declared headers, then the authenticator's), with no
// RequestServerVersion and no wsse:Security.
func TestCrossForestAuthRequest(t *testing.T) {
	f, c := newFake(t)
	c.URL += "/WSSecurity" // as an Autodiscover ASUrl may carry it
	berlin := mustLoad(t, "Europe/Berlin")
	c.Auth = CrossForestAuth{
		Username: `FABRIKAM\svc-avail`, Password: "s3cret-pw",
		MessageID: func() string { return "urn:uuid:6389558d-9e05-465e-ade9-aae14c4bcd10" },
	}
	c.UserAgent = "ASProxy/CrossForest/EmailDomain/EXPR/15.01.2507.000"
	start := time.Date(2025, 3, 24, 0, 0, 0, 0, berlin)
	if _, err := c.GetUserAvailability(t.Context(), &AvailabilityRequest{
		Mailboxes: []Mailbox{{Address: "dana@fabrikam.example"}, {Address: "erin@fabrikam.example"}},
		Start:     start, End: start.AddDate(0, 0, 1),
		FreeBusy: &FreeBusyOptions{View: ViewDetailedMerged},
	}); err != nil {
		t.Fatal(err)
	}
	reqs := f.recorded()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	testshared.ValidateEWSEnvelope(t, r.body)
	golden(t, "request-crossforest.xml", r.body)
	if r.path != "/EWS/Exchange.asmx" {
		t.Errorf("path = %s, want /WSSecurity stripped", r.path)
	}
	if u, p, ok := (&http.Request{Header: r.header}).BasicAuth(); !ok || u != `FABRIKAM\svc-avail` || p != "s3cret-pw" {
		t.Errorf("Basic credentials = %q, %q, %v", u, p, ok)
	}
	for k, want := range map[string]string{
		"X-AnchorMailbox": "dana@fabrikam.example",
		"User-Agent":      "ASProxy/CrossForest/EmailDomain/EXPR/15.01.2507.000",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var names []string
	for _, h := range r.msg.Headers {
		names = append(names, h.Name.Local)
	}
	if got, want := strings.Join(names, " "), "TimeZoneContext RequestTypeHeader MessageID"; got != want {
		t.Errorf("SOAP headers = %s, want %s", got, want)
	}
	if bytes.Contains(r.body, []byte("s3cret-pw")) {
		t.Error("the password is in the SOAP body")
	}
	if s := c.Auth.(CrossForestAuth).String(); strings.Contains(s, "s3cret-pw") {
		t.Errorf("String() = %s shows the password", s)
	}
}

// TestCrossForestFault is the answering side's rule for RequestTypeHeader
// (protocol.md §9.6), case by case.
func TestCrossForestFault(t *testing.T) {
	header := func(space, value string) string {
		return `<t:RequestTypeHeader xmlns:t="` + space + `"><t:RequestType>` + value + `</t:RequestType></t:RequestTypeHeader>`
	}
	account := &fedavail.Requester{Domain: "contoso.example", ServiceAccount: `CONTOSO\svc`}
	internal := &fedavail.Requester{Address: "bob@fabrikam.example", Domain: "fabrikam.example"}
	federated := &fedavail.Requester{Address: "alice@contoso.example", Domain: "contoso.example", Federated: true}
	tests := []struct {
		name   string
		who    *fedavail.Requester
		header string
		op     string
		refuse bool
	}{
		{"account with CrossForest", account, header(TypesNS, "CrossForest"), "GetUserAvailability", false},
		{"account, header in another namespace", account, header("urn:other", "CrossForest"), "GetUserAvailability", false},
		{"account without the header", account, "", "GetUserAvailability", true},
		{"account with CrossSite", account, header(TypesNS, "CrossSite"), "GetUserAvailability", true},
		{"account with a wrong case", account, header(TypesNS, "crossforest"), "GetUserAvailability", true},
		{"account asking for time zones", account, "", "GetServerTimeZones", false},
		{"account, another operation", account, header(TypesNS, "CrossForest"), "FindItem", true},
		{"internal user without the header", internal, "", "GetUserAvailability", false},
		{"internal user with CrossForest", internal, header(TypesNS, "CrossForest"), "GetUserAvailability", true},
		{"federated with CrossForest", federated, header(TypesNS, "CrossForest"), "GetUserAvailability", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` + tt.header +
				`</s:Header><s:Body><m:GetUserAvailabilityRequest xmlns:m="` + MessagesNS + `"/></s:Body></s:Envelope>`
			msg, err := soap.Decode([]byte(env), soap.DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			f := crossForestFault(tt.who, msg, tt.op)
			switch {
			case tt.refuse && (f == nil || f.ResponseCode != string(ErrorProxyRequestNotAllowed)):
				t.Errorf("fault = %v, want ErrorProxyRequestNotAllowed", f)
			case !tt.refuse && f != nil:
				t.Errorf("refused: %v", f)
			}
		})
	}
}
