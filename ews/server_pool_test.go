package ews

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
)

// exactTokens accepts only the token it is told to expect for each
// partner, byte for byte as the request carried it: a pooled token buffer
// that another request overwrote, or that still held an earlier token,
// would be refused. It keeps no state, so it may run concurrently.
type exactTokens map[string]string // token → partner's address

func (v exactTokens) ValidateToken(_ context.Context, data []byte, _ fedavail.Offer) (*fedavail.Requester, error) {
	if addr, ok := v[string(data)]; ok {
		return &fedavail.Requester{Address: addr, Domain: fedavail.AddressDomain(addr), Federated: true}, nil
	}
	return nil, errors.New("unknown token")
}

// TestPooledBuffersStayPerRequest sends requests that differ in size,
// token, mailboxes and TimeZoneContext from several goroutines at once,
// many times each, and checks every answer is its own request's: the
// token validated is the request's, the mailbox's unique subject and no
// other's is in it, and its times are in the request's zone. The body and
// token buffers are pooled and reused between requests: if one were
// returned while its request still read it (decoding, the cached
// TimeZoneContext header, the answer), another request's bytes would show
// through, and the race detector would see the two requests touch it.
func TestPooledBuffersStayPerRequest(t *testing.T) {
	zones := []struct{ id, first string }{
		{"UTC", "2024-03-11T09:00:00"},
		{"W. Europe Standard Time", "2024-03-11T10:00:00"},
		{"Tokyo Standard Time", "2024-03-11T18:00:00"},
		{"Eastern Standard Time", "2024-03-11T05:00:00"},
		// Five entries, more than an availabilityScratch holds: this
		// request's structures are allocated, the others' pooled.
		{"India Standard Time", "2024-03-11T14:30:00"},
	}
	var cals calendar.Memory
	tokens := exactTokens{}
	bodies := make([][]byte, len(zones))
	for i, z := range zones {
		mb := fmt.Sprintf("mailbox%d@example.com", i)
		cals.SetWorkingHours(mb, calendar.DefaultWorkingHours(time.UTC))
		cals.Add(mb, calendar.Event{Start: at(9, 0), End: at(10, 0), BusyType: calendar.Busy, Subject: fmt.Sprintf("subject-%d", i), ID: "x"})
		// Tokens and bodies of different sizes, so that buffers grown for
		// one request are reused for a shorter one.
		tok := fmt.Sprintf(`<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">%s</xenc:EncryptedData>`, strings.Repeat(fmt.Sprint(i), 100+1000*i))
		tokens[tok] = fmt.Sprintf("partner%d@partner%d.example", i, i)
		tzc := `<t:TimeZoneContext xmlns:t="` + TypesNS + `"><t:TimeZoneDefinition Id="` + z.id + `"/></t:TimeZoneContext>`
		addrs := make([]string, i+1)
		for k := range addrs {
			addrs[k] = mb
		}
		env := soap.Envelope{Version: soap.V11, Headers: []any{requestServerVersion{Version: string(Exchange2013)}, []byte(tzc), soap.Security(soap.V11, []byte(tok))},
			Body: availability(ViewDetailed, addrs...)}
		var err error
		if bodies[i], err = env.Marshal(); err != nil {
			t.Fatal(err)
		}
	}
	h, err := NewHandler(HandlerConfig{Calendars: &cals, Policy: stubPolicy{}, Tokens: tokens, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 60
	var wg sync.WaitGroup
	errs := make(chan error, len(zones)*rounds)
	for i := range zones {
		wg.Go(func() {
			for range rounds {
				r := httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx/WSSecurity", bytes.NewReader(bodies[i]))
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				got := w.Body.String()
				if w.Code != http.StatusOK {
					errs <- fmt.Errorf("request %d: status %d: %s", i, w.Code, got)
					return
				}
				if n := strings.Count(got, fmt.Sprintf("<Subject>subject-%d</Subject>", i)); n != i+1 {
					errs <- fmt.Errorf("request %d: its subject %d times, want %d: %s", i, n, i+1, got)
				}
				if n := strings.Count(got, "<Subject>subject-"); n != i+1 {
					errs <- fmt.Errorf("request %d: another request's subject in the answer: %s", i, got)
				}
				if !strings.Contains(got, "<StartTime>"+zones[i].first+"</StartTime>") {
					errs <- fmt.Errorf("request %d: not in %s: %s", i, zones[i].id, got)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPooledCallStartsClean sends, one after another on one handler (so
// that each reuses the pooled per-request state of the one before), a
// request whose token is of another offer, one with a good token and the
// first again: the refusal of the first must not carry over to the
// second, nor the second's requester to the third.
func TestPooledCallStartsClean(t *testing.T) {
	h, err := NewHandler(HandlerConfig{Calendars: testCalendars(), Policy: stubPolicy{}, Tokens: &stubTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	send := func(tok string) *httptest.ResponseRecorder {
		t.Helper()
		env := soap.Envelope{Version: soap.V11, Headers: []any{soap.Security(soap.V11, []byte(tok))}, Body: availability(ViewFreeBusy, "alice@example.com")}
		data, err := env.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/EWS/Exchange.asmx/WSSecurity", bytes.NewReader(data)))
		return rec
	}
	const autodiscover = `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">autodiscover</xenc:EncryptedData>`
	denied := func(rec *httptest.ResponseRecorder) bool {
		return rec.Code == http.StatusInternalServerError && strings.Contains(rec.Body.String(), string(ErrorAccessDenied))
	}
	if rec := send(autodiscover); !denied(rec) {
		t.Fatalf("other offer: status %d %s, want an ErrorAccessDenied fault", rec.Code, rec.Body)
	}
	if rec := send(goodToken); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<ResponseCode>NoError</ResponseCode>") {
		t.Fatalf("good token after a refused one: status %d %s, want an answer", rec.Code, rec.Body)
	}
	if rec := send(autodiscover); !denied(rec) {
		t.Fatalf("other offer after a good token: status %d %s, want an ErrorAccessDenied fault", rec.Code, rec.Body)
	}
	if rec := send(badToken); rec.Code != http.StatusUnauthorized {
		t.Fatalf("bad token after a good one: status %d, want 401", rec.Code)
	}
}

// TestServeCallReset: a call state put back in the pool refers to nothing
// of its request (not to keep bodies, answers or requesters alive) and
// keeps its bound token callback.
func TestServeCallReset(t *testing.T) {
	h, err := NewHandler(HandlerConfig{Calendars: testCalendars(), Policy: stubPolicy{}})
	if err != nil {
		t.Fatal(err)
	}
	c := h.calls.Get().(*serveCall)
	c.r = httptest.NewRequest(http.MethodPost, "/", nil)
	c.requester, c.fault = &fedavail.Requester{Address: "a@b.example"}, accessDenied()
	c.req = request{http: c.r, requester: c.requester, scratch: &c.scratch}
	c.scratch.addrs[0] = "alice@example.com"
	c.scratch.results[0].events = []calendar.Event{{Subject: "x"}}
	c.scratch.answer.freeBusy = []byte("<x/>")
	c.scratch.events = append(c.scratch.events, CalendarEvent{BusyType: "Busy", Details: &CalendarEventDetails{Subject: "x"}})
	c.scratch.periods = append(c.scratch.periods, WorkingPeriod{DayOfWeek: "Monday"})
	c.reset()
	if c.h != h || c.onToken == nil {
		t.Fatal("reset dropped the handler or the token callback")
	}
	if c.r != nil || c.requester != nil || c.fault != nil || c.req != (request{}) {
		t.Errorf("reset kept the request: %+v", c)
	}
	if c.scratch.addrs[0] != "" || c.scratch.results[0].events != nil || c.scratch.answer.freeBusy != nil {
		t.Error("reset kept the availability scratch")
	}
	if len(c.scratch.events) != 0 || cap(c.scratch.events) == 0 || c.scratch.events[:1][0] != (CalendarEvent{}) {
		t.Errorf("reset: events %d of %d, first %+v; want an empty, cleared list of kept capacity", len(c.scratch.events), cap(c.scratch.events), c.scratch.events[:1][0])
	}
	if len(c.scratch.periods) != 0 || cap(c.scratch.periods) == 0 || c.scratch.periods[:1][0] != (WorkingPeriod{}) {
		t.Error("reset: periods not emptied and cleared, or their capacity dropped")
	}
}

// TestPooledListsStayPerMailbox asks, three times through one scratch
// (the later times through the lists the first grew), about mailboxes
// with different numbers of items, in both orders: each mailbox's
// FreeBusyResponse must hold its own items, all of them and no other's,
// in the answer's structures (which encoding/xml writes when the fast
// writer cannot) as in its bytes. The CalendarEvent and WorkingPeriod
// lists are cut from one pooled list per request: an append past one
// mailbox's share would overwrite the next one's structures after its
// bytes were written.
func TestPooledListsStayPerMailbox(t *testing.T) {
	var cals calendar.Memory
	mbs := []string{"one@example.com", "two@example.com", "three@example.com", "none@example.com"}
	for i, mb := range mbs {
		cals.SetWorkingHours(mb, calendar.DefaultWorkingHours(time.UTC))
		if mb == "none@example.com" {
			continue
		}
		for j := range i + 1 {
			cals.Add(mb, calendar.Event{Start: at(9+j, 0), End: at(9+j, 30), BusyType: calendar.Busy, Subject: fmt.Sprintf("%s-%d", mb, j), ID: "x"})
		}
	}
	h, err := NewHandler(HandlerConfig{Calendars: &cals, Policy: stubPolicy{}, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	var sc availabilityScratch
	for _, order := range [][]string{mbs, {mbs[3], mbs[2], mbs[1], mbs[0]}, mbs} {
		msg, rb, err := h.decode(mustMarshal(t, availability(ViewDetailed, order...)), nil)
		if err != nil {
			t.Fatal(err)
		}
		req := &request{http: httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", nil), msg: msg, body: rb,
			requester: &fedavail.Requester{Address: "carol@example.com", Domain: "example.com"}, version: Exchange2013, scratch: &sc}
		ans, fault := h.getUserAvailability(req)
		if fault != nil {
			t.Fatal(fault)
		}
		a := ans.(*availabilityAnswer)
		if a != &sc.answer {
			t.Fatal("the answer is not the scratch's")
		}
		fast, err := appendAvailabilityEnvelope(nil, soap.V11, h.cfg.ServerVersion, &a.GetUserAvailabilityResponse, a.freeBusy)
		if err != nil {
			t.Fatal(err)
		}
		fromStructs, err := appendAvailabilityEnvelope(nil, soap.V11, h.cfg.ServerVersion, &a.GetUserAvailabilityResponse, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast, fromStructs) {
			t.Fatalf("%v: the answer's structures changed after its bytes were written:\n%s\nvs\n%s", order, fast, fromStructs)
		}
		parts := strings.Split(string(fast), "<FreeBusyResponse>")[1:]
		if len(parts) != len(order) {
			t.Fatalf("%d FreeBusyResponse elements for %d mailboxes: %s", len(parts), len(order), fast)
		}
		for i, mb := range order {
			want := 0
			if mb != "none@example.com" {
				want = slices.Index(mbs, mb) + 1
			}
			if n := strings.Count(parts[i], "<Subject>"+mb+"-"); n != want || strings.Count(parts[i], "<Subject>") != want {
				t.Errorf("%v: %s's answer has %d of its %d items, %d in all: %s", order, mb, n, want, strings.Count(parts[i], "<Subject>"), parts[i])
			}
			if n := strings.Count(parts[i], "<WorkingPeriod>"); n != 1 {
				t.Errorf("%v: %s's answer has %d working periods, want 1", order, mb, n)
			}
		}
		h.putBuffer(a.pooled, a.freeBusy)
		sc.reset()
	}
}

// TestServedLineDuration: the debug line of a served request gives the
// time between the clock's readings at its start and at its end (read
// only when that line is written), and no line is written above debug.
func TestServedLineDuration(t *testing.T) {
	for _, debug := range []bool{true, false} {
		var logs fedtest.LogBuffer
		log := logs.Logger()
		if !debug {
			log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}
		reads := 0
		now := func() time.Time { reads++; return testNow.Add(time.Duration(reads) * 1500 * time.Millisecond) }
		h, err := NewHandler(HandlerConfig{Calendars: testCalendars(), Policy: stubPolicy{}, Tokens: &stubTokens{}, Logger: log, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		env := soap.Envelope{Version: soap.V11, Headers: []any{soap.Security(soap.V11, []byte(goodToken))}, Body: availability(ViewFreeBusy, "alice@example.com")}
		rec := httptest.NewRecorder()
		reads = 0
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/EWS/Exchange.asmx/WSSecurity", bytes.NewReader(mustMarshalEnvelope(t, env))))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		got := logs.String()
		if debug && !strings.Contains(got, "request served") {
			t.Fatalf("no served line in %q", got)
		}
		if debug && !strings.Contains(got, "duration=1.5s") {
			t.Errorf("served line %q, want duration=1.5s (two clock readings)", got)
		}
		if !debug && strings.Contains(got, "request served") {
			t.Errorf("served line at info level: %q", got)
		}
	}
}

func mustMarshalEnvelope(t *testing.T, env soap.Envelope) []byte {
	t.Helper()
	data, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestOperationFromAction: the operation named by a plain wsa:Action (read
// without a copy) is the one soap.Action and soap.ActionName give, for the
// operations served and for others; an empty or non-plain wsa:Action gives
// way to SOAPAction as before, and no action at all to the body's name.
func TestOperationFromAction(t *testing.T) {
	const prefix = "http://schemas.microsoft.com/exchange/services/2006/messages/"
	tests := []struct {
		action, soapAction, want string
	}{
		{prefix + "GetUserAvailability", "", "GetUserAvailability"},
		{prefix + "GetServerTimeZones", "", "GetServerTimeZones"},
		{prefix + "FindItem", "", "FindItem"},
		{"GetUserAvailability", "", "GetUserAvailability"}, // no '/'
		{"  " + prefix + "GetUserAvailability\n", "", "GetUserAvailability"},
		{"", `"` + prefix + "GetServerTimeZones" + `"`, "GetServerTimeZones"},
		{prefix + "Get&#85;serAvailability", "", "GetUserAvailability"}, // a reference: the long way
		{"", "", "GetUserAvailabilityRequest"},                          // the body's element, not a GetUserAvailability request by name
	}
	for _, tt := range tests {
		hdr := `<a:Action xmlns:a="` + ns.WSA + `">` + tt.action + `</a:Action>`
		body := `<m:GetUserAvailabilityRequest xmlns:m="urn:not-ews"/>`
		env := `<s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Header>` + hdr + `</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
		msg, err := soap.Decode([]byte(env), soap.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", nil)
		if tt.soapAction != "" {
			r.Header.Set("SOAPAction", tt.soapAction)
		}
		if got := operation(r, msg); got != tt.want {
			t.Errorf("wsa:Action %q, SOAPAction %q: operation %q, want %q", tt.action, tt.soapAction, got, tt.want)
		}
		if a := soap.Action(r, msg); a != "" && soap.ActionName(a) != tt.want {
			t.Errorf("wsa:Action %q: soap.Action gives %q, which names %q, want %q", tt.action, a, soap.ActionName(a), tt.want)
		}
	}
}

// FuzzOperation holds operation's copy-free reading of wsa:Action to
// soap.Action and soap.ActionName, for any text of the header.
func FuzzOperation(f *testing.F) {
	for _, s := range []string{"http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability", " a/b ", "", "x&amp;y/GetServerTimeZones", "<![CDATA[a/b]]>", "é/GetUserAvailability", "a\r\n/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, action string) {
		env := `<s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Header><a:Action xmlns:a="` + ns.WSA + `">` + action + `</a:Action></s:Header><s:Body><x:Op xmlns:x="urn:x"/></s:Body></s:Envelope>`
		msg, err := soap.Decode([]byte(env), soap.DecodeOptions{})
		if err != nil || msg.Header(ns.WSA, "Action") == nil {
			return // not a message with that header
		}
		r := httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", nil)
		want := "Op"
		if a := soap.Action(r, msg); a != "" {
			want = soap.ActionName(a)
		}
		if got := operation(r, msg); got != want {
			t.Errorf("wsa:Action %q: operation %q, soap.Action names %q", action, got, want)
		}
	})
}
