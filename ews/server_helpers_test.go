package ews

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testshared"
)

// The tests' world: an answering organization (example.com) with a few
// mailboxes, and a partner (partner.example) whose users come with
// delegation tokens.
var (
	testDay = time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC) // a Monday
	testNow = testDay.Add(-24 * time.Hour)
)

const (
	goodToken    = `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">good</xenc:EncryptedData>`
	otherToken   = `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">other</xenc:EncryptedData>` // a second partner
	badToken     = `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">forged</xenc:EncryptedData>`
	secretWord   = "Acquisition" // a subject that must never leak
	secretPlace  = "Boardroom"
	partnerEmail = "bob@partner.example"
)

// stubTokens accepts the token "good" and refuses anything else, as the
// federation package's validator would.
type stubTokens struct{ calls int }

func (s *stubTokens) ValidateToken(_ context.Context, data []byte, offer fedavail.Offer) (*fedavail.Requester, error) {
	s.calls++
	if offer != fedavail.OfferFreeBusy {
		return nil, errors.New("wrong offer")
	}
	switch {
	case bytes.Contains(data, []byte(">good<")):
		return &fedavail.Requester{Address: partnerEmail, Domain: "partner.example", Federated: true}, nil
	case bytes.Contains(data, []byte(">other<")):
		return &fedavail.Requester{Address: "olga@other.example", Domain: "Other.Example", Federated: true}, nil
	case bytes.Contains(data, []byte(">autodiscover<")): // genuine, for the Autodiscover offer
		return nil, fmt.Errorf("token: offer Autodiscover, want free/busy: %w", fedavail.ErrWrongOffer)
	}
	return nil, errors.New("signature does not verify")
}

// stubPolicy gives each mailbox a fixed level; unknown mailboxes get
// LimitedDetails so that "not found" comes from the calendar source.
type stubPolicy map[string]fedavail.AccessLevel

func (p stubPolicy) Access(_ context.Context, _ fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	if mailbox == "policyfails@example.com" {
		return 0, errors.New("directory unavailable")
	}
	if l, ok := p[strings.ToLower(mailbox)]; ok {
		return l, nil
	}
	return fedavail.AccessLimitedDetails, nil
}

// failingSource fails every read, as a broken store would.
type failingSource struct{ calendar.Source }

func (failingSource) Events(context.Context, string, time.Time, time.Time) ([]calendar.Event, error) {
	return nil, errors.New("store offline")
}

func at(h, m int) time.Time {
	return testDay.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func testCalendars() *calendar.Memory {
	var m calendar.Memory
	wh := calendar.DefaultWorkingHours(time.UTC)
	for _, mb := range []string{"alice@example.com", "avail@example.com", "none@example.com", "empty@example.com"} {
		m.SetWorkingHours(mb, wh)
	}
	alice := []calendar.Event{
		{Start: at(9, 0), End: at(10, 0), BusyType: calendar.Busy, Subject: "Planning", Location: "Room 1", ID: "e1", IsMeeting: true},
		{Start: at(11, 0), End: at(12, 0), BusyType: calendar.Busy, Subject: secretWord, Location: secretPlace, ID: "e2", IsPrivate: true},
		{Start: at(13, 0), End: at(14, 0), BusyType: calendar.Tentative, Subject: "Lunch", ID: "e3"},
		{Start: at(14, 0), End: at(17, 0), BusyType: calendar.WorkingElsewhere, Subject: "Home office", ID: "e4"},
		{Start: at(-2, 0), End: at(1, 0), BusyType: calendar.OOF, Subject: "Flight", ID: "e5"},
	}
	m.Add("alice@example.com", alice...)
	m.Add("avail@example.com", alice...)
	m.Add("none@example.com", alice...)
	m.Add("empty@example.com")
	return &m
}

// testServer runs the handler over TLS on 127.0.0.1.
type testServer struct {
	*httptest.Server
	tokens *stubTokens
	logs   *fedtest.LogBuffer
}

func newTestServer(t testing.TB, mutate func(*HandlerConfig)) *testServer {
	t.Helper()
	ts := &testServer{tokens: &stubTokens{}, logs: &fedtest.LogBuffer{}}
	cfg := HandlerConfig{
		Calendars: testCalendars(),
		Policy: stubPolicy{
			"avail@example.com": fedavail.AccessAvailabilityOnly,
			"none@example.com":  fedavail.AccessNone,
		},
		Tokens: ts.tokens,
		Authenticate: func(r *http.Request) (*fedavail.Requester, error) {
			user, pass, ok := r.BasicAuth()
			if !ok || user != "carol@example.com" || pass != "secret" {
				return nil, errors.New("bad password")
			}
			return &fedavail.Requester{Address: user, Domain: "example.com"}, nil
		},
		Logger: ts.logs.Logger(),
		Now:    func() time.Time { return testNow },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.Server = httptest.NewUnstartedServer(h)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

// call is one raw request to the test server.
type call struct {
	path    string // default federated
	headers []any  // extra SOAP headers
	body    any
	token   string  // wsse token, default goodToken; "-" for none
	action  string  // SOAPAction; "" sends none
	basic   bool    // send carol's password
	version Version // RequestServerVersion, default Exchange2013
	// validate checks the answer against the EWS schema (xmllint takes a
	// while, so only the schema tests ask for it).
	validate bool
}

type reply struct {
	status int
	header http.Header
	data   []byte
	msg    *soap.Message
	fault  *fedavail.Fault
}

func (ts *testServer) do(t testing.TB, c call, out any) reply {
	t.Helper()
	path := c.path
	if path == "" {
		path = "/EWS/Exchange.asmx/WSSecurity"
	}
	v := c.version
	if v == "" {
		v = Exchange2013
	}
	headers := append([]any{requestServerVersion{Version: string(v)}}, c.headers...)
	switch c.token {
	case "":
		headers = append(headers, soap.Security(soap.V11, []byte(goodToken)))
	case "-":
	default:
		headers = append(headers, soap.Security(soap.V11, []byte(c.token)))
	}
	env := soap.Envelope{Version: soap.V11, Headers: headers, Body: c.body}
	data, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return ts.post(t, path, data, c, out)
}

func (ts *testServer) post(t testing.TB, path string, data []byte, c call, out any) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	if c.action != "" {
		req.Header.Set("SOAPAction", `"`+c.action+`"`)
	}
	if c.basic {
		req.SetBasicAuth("carol@example.com", "secret")
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, data: body}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusInternalServerError {
		msg, err := soap.Decode(body, soap.DecodeOptions{Body: out})
		var f *fedavail.Fault
		switch {
		case errors.As(err, &f):
			r.fault = f
		case err != nil:
			t.Fatalf("answer does not decode: %v\n%s", err, body)
		}
		r.msg = msg
		if c.validate && r.fault == nil {
			testshared.ValidateEWSEnvelope(t, body)
		}
	}
	return r
}

// availability builds a request for the test day.
func availability(view ViewType, mailboxes ...string) *GetUserAvailabilityRequest {
	tz := TimeZoneFor(time.UTC, 2024)
	req := &GetUserAvailabilityRequest{
		TimeZone: &tz,
		FreeBusyViewOptions: &FreeBusyViewOptions{
			TimeWindow:                      Duration{StartTime: At(testDay), EndTime: At(testDay.Add(24 * time.Hour))},
			MergedFreeBusyIntervalInMinutes: 60,
			RequestedView:                   view,
		},
	}
	for _, m := range mailboxes {
		req.MailboxData = append(req.MailboxData, MailboxData{Email: EmailAddress{Address: m}, AttendeeType: Required})
	}
	return req
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	env := soap.Envelope{Version: soap.V11, Body: v}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unavailableSource is a store that is down for a while (a CalDAV server
// answering 503 with Retry-After), in both methods.
type unavailableSource struct {
	calendar.Source
	retryAfter time.Duration
}

func (s unavailableSource) Events(context.Context, string, time.Time, time.Time) ([]calendar.Event, error) {
	return nil, &fedavail.UnavailableError{RetryAfter: s.retryAfter, Err: errors.New("store restarting")}
}
