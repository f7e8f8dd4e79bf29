package ews

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testshared"
)

func TestGetUserAvailability(t *testing.T) {
	f, c := newFake(t)
	c.Auth = BasicAuth{Username: "alice@a.example", Password: "secret"}
	london := mustLoad(t, "Europe/London")
	// The window spans the end of British summer time (26 October 2025).
	start := time.Date(2025, 10, 25, 0, 0, 0, 0, london)
	res, err := c.GetUserAvailability(context.Background(), &AvailabilityRequest{
		Mailboxes: []Mailbox{{Address: "bob@b.example"}, {Address: "missing@b.example", AttendeeType: Optional}},
		Start:     start,
		End:       start.AddDate(0, 0, 2),
		FreeBusy:  &FreeBusyOptions{MergedInterval: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.recorded()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	testshared.ValidateEWSEnvelope(t, r.body)
	golden(t, "request-basic.xml", r.body)
	if u, p, ok := (&http.Request{Header: r.header}).BasicAuth(); !ok || u != "alice@a.example" || p != "secret" {
		t.Errorf("Basic credentials = %q, %q, %v", u, p, ok)
	}
	if got := r.header.Get("SOAPAction"); got != `"`+ActionGetUserAvailability+`"` {
		t.Errorf("SOAPAction = %s", got)
	}
	if r.path != "/EWS/Exchange.asmx" {
		t.Errorf("path = %s", r.path)
	}
	var rsv requestServerVersion
	if h := r.msg.Header(TypesNS, "RequestServerVersion"); h == nil || h.Decode(&rsv) != nil || rsv.Version != string(Exchange2010SP1) {
		t.Errorf("RequestServerVersion = %+v, want Exchange2010_SP1", rsv)
	}
	if got, want := *r.req.TimeZone, TimeZoneFor(london, 2025); got != want {
		t.Errorf("TimeZone = %+v, want %+v", got, want)
	}

	// The fake answers with the window's start as written (no offset), which
	// must be read in the request zone.
	want := []MailboxAvailability{
		{
			Mailbox: Mailbox{Address: "bob@b.example"},
			View:    ViewDetailedMerged,
			Merged: []Slot{
				{start, start.Add(time.Hour), Busy},
				{start.Add(time.Hour), start.Add(2 * time.Hour), Busy},
				{start.Add(2 * time.Hour), start.Add(3 * time.Hour), Free},
				{start.Add(3 * time.Hour), start.Add(4 * time.Hour), Free},
				{start.Add(4 * time.Hour), start.Add(5 * time.Hour), NoData},
			},
			Events: []Event{{Start: start, End: start.Add(time.Hour), BusyType: Busy, Details: &CalendarEventDetails{Subject: "bob@b.example"}}},
		},
		{
			Mailbox: Mailbox{Address: "missing@b.example", AttendeeType: Optional},
			Err:     &MailboxError{Mailbox: "missing@b.example", Class: Error, ResponseCode: ErrorMailRecipientNotFound, Message: "not found"},
		},
	}
	if diff := cmp.Diff(want, res.Mailboxes, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }), cmp.Comparer(errEqual)); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	var me *MailboxError
	if !errors.As(res.Mailboxes[1].Err, &me) || me.ResponseCode != ErrorMailRecipientNotFound {
		t.Errorf("errors.As(*MailboxError) failed for %v", res.Mailboxes[1].Err)
	}
}

func errEqual(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error()
}

func TestBatching(t *testing.T) {
	f, c := newFake(t)
	c.MaxConcurrency = 2
	var inFlight, maxInFlight atomic.Int32
	f.answer = func(w http.ResponseWriter, r *http.Request, req *GetUserAvailabilityRequest) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		if len(req.MailboxData) > MaxMailboxesPerRequest {
			t.Errorf("batch of %d mailboxes", len(req.MailboxData))
		}
		answerOK(w, req)
	}
	var mailboxes []Mailbox
	for i := range 250 {
		addr := "user" + strconv.Itoa(i) + "@b.example"
		if i%37 == 0 {
			addr = "missing" + strconv.Itoa(i) + "@b.example"
		}
		mailboxes = append(mailboxes, Mailbox{Address: addr})
	}
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, mustLoad(t, "America/New_York"))
	res, err := c.GetUserAvailability(context.Background(), &AvailabilityRequest{
		Mailboxes: mailboxes, Start: start, End: start.AddDate(0, 0, 1), FreeBusy: &FreeBusyOptions{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.recorded()); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
	if m := maxInFlight.Load(); m > 2 {
		t.Errorf("%d requests in flight at once, cap is 2", m)
	}
	for i, m := range res.Mailboxes {
		if m.Mailbox.Address != mailboxes[i].Address {
			t.Fatalf("result %d is for %s, want %s", i, m.Mailbox.Address, mailboxes[i].Address)
		}
		if i%37 == 0 {
			var me *MailboxError
			if !errors.As(m.Err, &me) || me.ResponseCode != ErrorMailRecipientNotFound || me.Mailbox != mailboxes[i].Address {
				t.Errorf("result %d: err = %v, want ErrorMailRecipientNotFound", i, m.Err)
			}
			continue
		}
		if m.Err != nil || len(m.Events) != 1 || m.Events[0].Details.Subject != mailboxes[i].Address {
			t.Errorf("result %d: %+v", i, m)
		}
	}
}

// busyFaultBody is Exchange's ErrorServerBusy fault with a back-off.
func writeBusyFault(w http.ResponseWriter, backOffMS string) {
	soap.WriteFault(w, soap.V11, &fedavail.Fault{
		Code: "Client", CodeNamespace: ns.SOAP11, Reason: "The server cannot service this request right now. Try again later.",
		ResponseCode: string(ErrorServerBusy), Values: map[string]string{"BackOffMilliseconds": backOffMS},
	})
}

func writeBusyMessages(w http.ResponseWriter, req *GetUserAvailabilityRequest, backOffMS string) {
	resp := &GetUserAvailabilityResponse{}
	for range req.MailboxData {
		resp.FreeBusyResponses = append(resp.FreeBusyResponses, FreeBusyResponse{ResponseMessage: &ResponseMessage{
			ResponseClass: Error, ResponseCode: ErrorServerBusy, MessageText: "busy",
			MessageXML: &MessageXML{Values: []soap.MessageValue{{Name: "BackOffMilliseconds", Value: backOffMS}}},
		}})
	}
	writeResponse(w, resp)
}

func TestServerBusy(t *testing.T) {
	tests := []struct {
		name       string
		busyTimes  int // answers busy this many times, then OK
		backOffMS  string
		asMessages bool
		retries    int
		timeout    time.Duration
		wantErr    bool
		wantCalls  int
	}{
		{name: "fault then success", busyTimes: 2, backOffMS: "1", wantCalls: 3},
		{name: "response messages then success", busyTimes: 1, backOffMS: "1", asMessages: true, wantCalls: 2},
		{name: "budget spent", busyTimes: 10, backOffMS: "1", retries: 2, wantErr: true, wantCalls: 3},
		{name: "retries disabled", busyTimes: 10, backOffMS: "1", retries: -1, wantErr: true, wantCalls: 1},
		// A back-off that ends after the context's deadline is not waited for.
		{name: "back-off past deadline", busyTimes: 10, backOffMS: "50000", timeout: 20 * time.Second, wantErr: true, wantCalls: 1},
		// Longer than MaxBackOff (one minute by default).
		{name: "back-off too long", busyTimes: 10, backOffMS: "297749", wantErr: true, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t)
			c.MaxRetries = tt.retries
			var calls atomic.Int32
			f.answer = func(w http.ResponseWriter, r *http.Request, req *GetUserAvailabilityRequest) {
				if int(calls.Add(1)) > tt.busyTimes {
					answerOK(w, req)
				} else if tt.asMessages {
					writeBusyMessages(w, req, tt.backOffMS)
				} else {
					writeBusyFault(w, tt.backOffMS)
				}
			}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			res, err := c.GetUserAvailability(ctx, simpleRequest(t))
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
			if !tt.wantErr {
				if err != nil || res.Mailboxes[0].Err != nil {
					t.Fatalf("err = %v, %+v", err, res)
				}
				return
			}
			var sb *ServerBusyError
			if !errors.Is(err, ErrServerBusy) || !errors.As(err, &sb) {
				t.Fatalf("err = %v, want *ServerBusyError", err)
			}
			if sb.Attempts != tt.wantCalls || sb.BackOff.Milliseconds() != int64(atoiTest(tt.backOffMS)) {
				t.Errorf("ServerBusyError = %+v", sb)
			}
		})
	}
}

func atoiTest(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// cancelOnLog cancels a context when the client logs that it backs off,
// that is once it is waiting.
type cancelOnLog struct {
	slog.Handler
	cancel context.CancelFunc
}

func (cancelOnLog) Enabled(context.Context, slog.Level) bool { return true }

func (h cancelOnLog) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "backing off") {
		h.cancel()
	}
	return nil
}

// TestServerBusyCancel cancels the context while the client waits.
func TestServerBusyCancel(t *testing.T) {
	f, c := newFake(t)
	c.MaxBackOff = 2 * time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Logger = slog.New(cancelOnLog{Handler: slog.DiscardHandler, cancel: cancel})
	f.answer = func(w http.ResponseWriter, r *http.Request, req *GetUserAvailabilityRequest) {
		writeBusyFault(w, "3600000")
	}
	_, err := c.GetUserAvailability(ctx, simpleRequest(t))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrServerBusy) {
		t.Fatalf("err = %v, want context.Canceled and ErrServerBusy", err)
	}
	if n := len(f.recorded()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func simpleRequest(t *testing.T) *AvailabilityRequest {
	start := time.Date(2025, 3, 10, 0, 0, 0, 0, mustLoad(t, "Asia/Tokyo"))
	return &AvailabilityRequest{
		Mailboxes: []Mailbox{{Address: "bob@b.example"}},
		Start:     start, End: start.AddDate(0, 0, 1),
		FreeBusy: &FreeBusyOptions{View: ViewFreeBusy},
	}
}

// TestAuthErrors checks that HTTP 401/403 and SOAP faults stay distinct.
func TestAuthErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		check  func(t *testing.T, err error)
	}{
		{"401", func(w http.ResponseWriter) {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		}, func(t *testing.T, err error) {
			var f *fedavail.Fault
			if !errors.Is(err, fedavail.ErrUnauthorized) || errors.As(err, &f) {
				t.Errorf("err = %v, want ErrUnauthorized and no fault", err)
			}
		}},
		{"403", func(w http.ResponseWriter) { http.Error(w, "forbidden", http.StatusForbidden) }, func(t *testing.T, err error) {
			if !errors.Is(err, fedavail.ErrForbidden) || errors.Is(err, fedavail.ErrUnauthorized) {
				t.Errorf("err = %v, want ErrForbidden", err)
			}
		}},
		{"fault", func(w http.ResponseWriter) {
			soap.WriteFault(w, soap.V11, &fedavail.Fault{Code: "Client", Reason: "The request is invalid.", ResponseCode: string(ErrorInvalidRequest)})
		}, func(t *testing.T, err error) {
			var f *fedavail.Fault
			if !errors.As(err, &f) || f.ResponseCode != string(ErrorInvalidRequest) || errors.Is(err, fedavail.ErrUnauthorized) || errors.Is(err, ErrServerBusy) {
				t.Errorf("err = %v, want a *fedavail.Fault with ErrorInvalidRequest", err)
			}
		}},
		{"garbage", func(w http.ResponseWriter) { _, _ = w.Write([]byte("<html>")) }, func(t *testing.T, err error) {
			var xe *fedavail.XMLError
			if !errors.As(err, &xe) {
				t.Errorf("err = %v, want *fedavail.XMLError", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t)
			f.answer = func(w http.ResponseWriter, _ *http.Request, _ *GetUserAvailabilityRequest) { tt.answer(w) }
			_, err := c.GetUserAvailability(context.Background(), simpleRequest(t))
			tt.check(t, err)
		})
	}
}

func TestFederated(t *testing.T) {
	f, c := newFake(t)
	token := []byte(`<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:CipherData><xenc:CipherValue>AAEC</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`)
	var asked []fedavail.TokenRequest
	c.Auth = FederatedAuth{
		Tokens: fedavail.TokenSourceFunc(func(_ context.Context, r fedavail.TokenRequest) (*fedavail.Token, error) {
			asked = append(asked, r)
			return &fedavail.Token{EncryptedData: token}, nil
		}),
		Audience:  "FYDIBOHF25SPDLT.b.example",
		Requester: "alice@a.example",
		MessageID: func() string { return "urn:uuid:6389558a-14f4-4a9c-8c4e-2d1f6a8e0a11" },
	}
	c.Version = Exchange2012
	if _, err := c.GetUserAvailability(context.Background(), simpleRequest(t)); err != nil {
		t.Fatal(err)
	}
	wantTR := []fedavail.TokenRequest{{Requester: "alice@a.example", Audience: "FYDIBOHF25SPDLT.b.example", Offer: fedavail.OfferFreeBusy}}
	if diff := cmp.Diff(wantTR, asked); diff != "" {
		t.Errorf("token requests (-want +got):\n%s", diff)
	}
	r := f.recorded()[0]
	testshared.ValidateEWSEnvelope(t, r.body)
	golden(t, "request-federated.xml", bytes.ReplaceAll(r.body, []byte(f.srv.URL), []byte("https://ews.b.example")))
	if r.path != "/EWS/Exchange.asmx/WSSecurity" {
		t.Errorf("path = %s, want /EWS/Exchange.asmx/WSSecurity", r.path)
	}
	if r.header.Get("Authorization") != "" {
		t.Errorf("Authorization header sent in federated mode")
	}
	if got := r.msg.HeaderText(ns.WSA, "Action"); got != ActionGetUserAvailability {
		t.Errorf("wsa:Action = %q", got)
	}
	if got, want := r.msg.HeaderText(ns.WSA, "To"), c.URL+"/WSSecurity"; got != want {
		t.Errorf("wsa:To = %q, want %q", got, want)
	}
	if h := r.msg.Header(ns.WSA, "ReplyTo"); h == nil || !bytes.Contains(h.Raw, []byte(ns.WSAAnon)) {
		t.Errorf("wsa:ReplyTo missing or not anonymous")
	}
	// As Exchange's availability proxy (ProxyWebRequest.cs,
	// ProxyAuthenticator.cs, WSAddressingActionHeader.cs): a MessageID,
	// mustUnderstand on Action and To, RequestTypeHeader CrossForest, a
	// TimeZoneContext beside the body's TimeZone, X-AnchorMailbox.
	if id := r.msg.HeaderText(ns.WSA, "MessageID"); !strings.HasPrefix(id, "urn:uuid:") || len(id) != len("urn:uuid:")+36 {
		t.Errorf("wsa:MessageID = %q, want a urn:uuid", id)
	}
	for _, name := range []string{"Action", "To"} {
		if mu, _ := r.msg.Header(ns.WSA, name).AttrValue(ns.SOAP11, "mustUnderstand"); mu != "1" {
			t.Errorf("wsa:%s mustUnderstand = %q, want 1", name, mu)
		}
	}
	if rt := r.msg.Header(TypesNS, "RequestTypeHeader"); rt == nil || !bytes.Contains(rt.Raw, []byte(`<t:RequestType>CrossForest</t:RequestType>`)) {
		t.Errorf("RequestTypeHeader missing or not CrossForest")
	}
	if tzc := r.msg.Header(TypesNS, "TimeZoneContext"); tzc == nil || !bytes.Contains(tzc.Raw, []byte(`Id="Tokyo Standard Time"`)) {
		t.Errorf("TimeZoneContext missing or not the request's zone")
	}
	if got := r.header.Get("X-AnchorMailbox"); got != "bob@b.example" {
		t.Errorf("X-AnchorMailbox = %q, want the first mailbox", got)
	}
	sec := r.msg.Header(ns.WSSE, "Security")
	if sec == nil {
		t.Fatal("no wsse:Security header")
	}
	kids, err := soap.Children(sec)
	if err != nil || len(kids) != 1 || !bytes.Equal(kids[0].Raw, token) {
		t.Errorf("wsse:Security children = %d (err %v); want exactly the token, verbatim", len(kids), err)
	}
	if mu, _ := sec.AttrValue(ns.SOAP11, "mustUnderstand"); mu != "1" {
		t.Errorf("wsse:Security mustUnderstand = %q", mu)
	}
	var rsv requestServerVersion
	if h := r.msg.Header(TypesNS, "RequestServerVersion"); h == nil || h.Decode(&rsv) != nil || rsv.Version != "Exchange2012" {
		t.Errorf("RequestServerVersion = %+v", rsv)
	}
}

func TestFederatedTokenError(t *testing.T) {
	f, c := newFake(t)
	boom := errors.New("broker down")
	c.Auth = FederatedAuth{Tokens: fedavail.TokenSourceFunc(func(context.Context, fedavail.TokenRequest) (*fedavail.Token, error) { return nil, boom })}
	if _, err := c.GetUserAvailability(context.Background(), simpleRequest(t)); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the token source's error", err)
	}
	if n := len(f.recorded()); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
}

func TestValidation(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	start := time.Date(2025, 3, 10, 0, 0, 0, 0, tokyo)
	base := func() *AvailabilityRequest {
		return &AvailabilityRequest{Mailboxes: []Mailbox{{Address: "bob@b.example"}}, Start: start, End: start.AddDate(0, 0, 1), FreeBusy: &FreeBusyOptions{}}
	}
	many := make([]Mailbox, 101)
	for i := range many {
		many[i].Address = "u" + strconv.Itoa(i) + "@b.example"
	}
	tests := []struct {
		name   string
		mutate func(r *AvailabilityRequest)
		field  string
	}{
		{"no mailboxes", func(r *AvailabilityRequest) { r.Mailboxes = nil }, "Mailboxes"},
		{"empty address", func(r *AvailabilityRequest) { r.Mailboxes[0].Address = " " }, "Mailboxes[0].Address"},
		{"attendee type", func(r *AvailabilityRequest) { r.Mailboxes[0].AttendeeType = "Boss" }, "Mailboxes[0].AttendeeType"},
		{"no options", func(r *AvailabilityRequest) { r.FreeBusy = nil }, "FreeBusy"},
		{"reversed window", func(r *AvailabilityRequest) { r.End = r.Start.Add(-time.Hour) }, "End"},
		{"no start", func(r *AvailabilityRequest) { r.Start = time.Time{} }, "Start"},
		{"63 days", func(r *AvailabilityRequest) { r.End = r.Start.AddDate(0, 0, 63) }, "End"},
		{"view None", func(r *AvailabilityRequest) { r.FreeBusy.View = ViewNone }, "FreeBusy.View"},
		{"interval 4m", func(r *AvailabilityRequest) { r.FreeBusy.MergedInterval = 4 * time.Minute }, "FreeBusy.MergedInterval"},
		{"interval 1441m", func(r *AvailabilityRequest) { r.FreeBusy.MergedInterval = 1441 * time.Minute }, "FreeBusy.MergedInterval"},
		{"interval 90s", func(r *AvailabilityRequest) { r.FreeBusy.MergedInterval = 450 * time.Second }, "FreeBusy.MergedInterval"},
		{"threshold 50", func(r *AvailabilityRequest) { r.Suggestions = &SuggestionOptions{GoodThreshold: 50} }, "Suggestions.GoodThreshold"},
		{"results 49", func(r *AvailabilityRequest) { r.Suggestions = &SuggestionOptions{MaxResultsPerDay: 49} }, "Suggestions.MaxResultsPerDay"},
		{"non-work -1", func(r *AvailabilityRequest) { r.Suggestions = &SuggestionOptions{MaxNonWorkHourResultsPerDay: -1} }, "Suggestions.MaxNonWorkHourResultsPerDay"},
		{"duration 10m", func(r *AvailabilityRequest) { r.Suggestions = &SuggestionOptions{MeetingDuration: 10 * time.Minute} }, "Suggestions.MeetingDuration"},
		{"quality", func(r *AvailabilityRequest) { r.Suggestions = &SuggestionOptions{MinimumQuality: "Superb"} }, "Suggestions.MinimumQuality"},
		{"suggestions window 4h", func(r *AvailabilityRequest) {
			r.Suggestions = &SuggestionOptions{Start: start.Add(9 * time.Hour), End: start.Add(13 * time.Hour)}
		}, "Suggestions.End"},
		{"suggestions window reversed", func(r *AvailabilityRequest) {
			r.Suggestions = &SuggestionOptions{Start: start.Add(48 * time.Hour), End: start}
		}, "Suggestions.End"},
		{"suggestions >100", func(r *AvailabilityRequest) { r.Mailboxes = many; r.Suggestions = &SuggestionOptions{} }, "Mailboxes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t)
			r := base()
			tt.mutate(r)
			_, err := c.GetUserAvailability(context.Background(), r)
			var re *InputError
			if !errors.Is(err, ErrInvalidInput) || !errors.As(err, &re) || re.Field != tt.field {
				t.Errorf("err = %v, want a InputError for %s", err, tt.field)
			}
			if n := len(f.recorded()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestSampleThroughClient answers with Microsoft's documented response and
// checks the decoded, absolute results.
func TestSampleThroughClient(t *testing.T) {
	sample := testshared.Sample(t, "GetUserAvailability-response.docs.xml")
	f, c := newFake(t)
	f.answer = func(w http.ResponseWriter, _ *http.Request, _ *GetUserAvailabilityRequest) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(sample)
	}
	pacific := mustLoad(t, "America/Los_Angeles")
	start := time.Date(2006, 10, 16, 0, 0, 0, 0, pacific)
	res, err := c.GetUserAvailability(context.Background(), &AvailabilityRequest{
		Mailboxes: []Mailbox{{Address: "user1@example.com"}, {Address: "user2@example.com"}},
		Start:     start, End: start.Add(24 * time.Hour),
		FreeBusy: &FreeBusyOptions{View: ViewDetailedMerged, MergedInterval: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Mailboxes[0]
	if len(m.Merged) != 24 || m.Merged[5].BusyType != Busy || m.Merged[4].BusyType != Free || !m.Merged[5].Start.Equal(time.Date(2006, 10, 16, 5, 0, 0, 0, pacific)) {
		t.Errorf("merged slots = %+v", m.Merged)
	}
	if e := m.Events[2]; !e.Start.Equal(time.Date(2006, 10, 16, 9, 40, 0, 0, pacific)) || e.Details.Location != "Kirkland" {
		t.Errorf("third event = %+v", e)
	}
	wh := m.WorkingHours
	if wh == nil || wh.Location == nil || len(wh.Periods) != 1 || len(wh.Periods[0].Days) != 5 || wh.Periods[0].Start != 8*time.Hour || wh.Periods[0].End != 17*time.Hour {
		t.Fatalf("working hours = %+v", wh)
	}
	if _, off := time.Date(2006, 10, 16, 8, 0, 0, 0, wh.Location).Zone(); off != -7*3600 {
		t.Errorf("working hours zone offset on the day = %d, want -7h", off)
	}
	if res.Mailboxes[1].View != ViewFreeBusyMerged || res.Mailboxes[1].Events[0].BusyType != Tentative {
		t.Errorf("second mailbox = %+v", res.Mailboxes[1])
	}
}
