package ews

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/internal/soap"
)

// TestEventsIn: the events overlapping the window, in order; the input
// itself (not a copy) when all do, and never modified.
func TestEventsIn(t *testing.T) {
	ev := func(h0, h1 int) calendar.Event { return calendar.Event{Start: at(h0, 0), End: at(h1, 0)} }
	all := []calendar.Event{ev(8, 9), ev(10, 12), ev(11, 13)}
	if got := eventsIn(all, at(0, 0), at(24, 0)); len(got) != 3 || &got[0] != &all[0] {
		t.Errorf("all in the window: got %d events, a copy %v; want the input itself", len(got), len(got) > 0 && &got[0] != &all[0])
	}
	mixed := []calendar.Event{ev(1, 2), ev(8, 9), ev(20, 21), ev(10, 12), ev(23, 24)}
	before := append([]calendar.Event(nil), mixed...)
	got := eventsIn(mixed, at(8, 30), at(20, 0))
	if diff := cmp.Diff([]calendar.Event{ev(8, 9), ev(10, 12)}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, mixed); diff != "" {
		t.Errorf("the input changed:\n%s", diff)
	}
	if got := eventsIn(mixed, at(2, 0), at(3, 0)); len(got) != 0 {
		t.Errorf("none in the window: got %v", got)
	}
}

// TestDayNames: a list of distinct weekdays in order comes from the table,
// any other list is written as given; both as strings.Join of the names.
func TestDayNames(t *testing.T) {
	for _, days := range [][]time.Weekday{
		nil, {time.Monday}, {time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		{time.Sunday, time.Saturday}, {time.Friday, time.Monday}, {time.Monday, time.Monday}, {time.Weekday(9)},
	} {
		names := make([]string, len(days))
		for i, d := range days {
			names[i] = d.String()
		}
		if got, want := dayNames(days), strings.Join(names, " "); got != want {
			t.Errorf("dayNames(%v) = %q, want %q", days, got, want)
		}
	}
}

// TestServerName: the server named in per-mailbox errors is the request's
// Host without a port.
func TestServerName(t *testing.T) {
	ts := newTestServer(t, nil)
	for host, want := range map[string]string{"mail.example.com": "mail.example.com", "mail.example.com:8443": "mail.example.com",
		"[::1]:443": "::1", "[::1]": "[::1]"} {
		r := httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", bytes.NewReader(mustMarshal(t, availability(ViewFreeBusy, "nobody@example.com"))))
		r.Host = host
		r.SetBasicAuth("carol@example.com", "secret")
		w := httptest.NewRecorder()
		ts.Config.Handler.ServeHTTP(w, r)
		if got := w.Body.String(); !strings.Contains(got, "<ExceptionServerName xmlns=\""+ErrorsNS+"\">"+want+"</ExceptionServerName>") {
			t.Errorf("Host %q: server name not %q in %s", host, want, got)
		}
	}
}

// sharedRequester is a validator that returns one Requester, its own, for
// every token.
type sharedRequester struct{ r *fedavail.Requester }

func (v sharedRequester) ValidateToken(context.Context, []byte, fedavail.Offer) (*fedavail.Requester, error) {
	return v.r, nil
}

// recordingPolicy grants LimitedDetails and remembers who asked.
type recordingPolicy struct{ seen chan fedavail.Requester }

func (p recordingPolicy) Access(_ context.Context, who fedavail.Requester, _ string) (fedavail.AccessLevel, error) {
	p.seen <- who
	return fedavail.AccessLimitedDetails, nil
}

// TestTokenRequesterIsFederated: whatever the validator says, a token's
// requester reaches the policy federated and with its address's domain,
// and the validator's own Requester is not changed to make it so.
func TestTokenRequesterIsFederated(t *testing.T) {
	for _, given := range []fedavail.Requester{
		{Address: "olga@other.example"},
		{Address: "olga@other.example", Federated: true},
		{Address: "olga@other.example", Domain: "Other.Example"},
		{Address: "olga@other.example", Domain: "Other.Example", Federated: true},
	} {
		mine := given
		p := recordingPolicy{seen: make(chan fedavail.Requester, 1)}
		h, err := NewHandler(HandlerConfig{Calendars: testCalendars(), Policy: p, Tokens: sharedRequester{&mine}, Now: func() time.Time { return testNow }})
		if err != nil {
			t.Fatal(err)
		}
		env := soap.Envelope{Version: soap.V11, Headers: []any{requestServerVersion{Version: string(Exchange2013)}, soap.Security(soap.V11, []byte(goodToken))},
			Body: availability(ViewFreeBusy, "alice@example.com")}
		data, err := env.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx/WSSecurity", bytes.NewReader(data)))
		if w.Code != http.StatusOK {
			t.Fatalf("%+v: status %d", given, w.Code)
		}
		who := <-p.seen
		wantDomain := given.Domain
		if wantDomain == "" {
			wantDomain = "other.example"
		}
		if !who.Federated || who.Domain != wantDomain || who.Address != given.Address {
			t.Errorf("validator said %+v; the policy saw %+v", given, who)
		}
		if mine != given {
			t.Errorf("the validator's Requester was changed: %+v, was %+v", mine, given)
		}
	}
}

// TestIsFederatedPath: "/WSSecurity" in any case, anywhere in the path, as
// strings.Contains of the lowered path finds it.
func TestIsFederatedPath(t *testing.T) {
	for _, p := range []string{"", "/", "/EWS/Exchange.asmx", "/EWS/Exchange.asmx/WSSecurity", "/ews/exchange.asmx/wssecurity",
		"/autodiscover/autodiscover.svc/WSSecurity/", "/x/WSSECURITYx", "/WSSecurit", "WSSecurity", "//wsSecurity", "/a/b/c/wssecurity/d",
		"/EWS/Exchange.asmx/WSSecurity\u212a", "/ews/\u212aWSSecurity", "/wß/wssecurity"} {
		if got, want := IsFederatedPath(p), strings.Contains(strings.ToLower(p), "/wssecurity"); got != want {
			t.Errorf("IsFederatedPath(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestDistinctMailboxes: repeats (by case and surrounding space) share one
// address, the first spelling kept; ExcludeConflicts on any repeat counts;
// a single entry is itself.
func TestDistinctMailboxes(t *testing.T) {
	yes := true
	md := func(addr string, exclude *bool) MailboxData {
		return MailboxData{Email: EmailAddress{Address: addr}, ExcludeConflicts: exclude}
	}
	got := distinctMailboxes([]MailboxData{md(" Alice@example.com", nil), md("bob@example.com", nil), md("alice@EXAMPLE.com ", &yes), md("bob@example.com", nil)}, nil)
	want := mailboxSet{addrs: []string{"Alice@example.com", "bob@example.com"}, index: []int{0, 1, 0, 1}, exclude: []bool{true, false}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(mailboxSet{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got = distinctMailboxes([]MailboxData{md(" Carol@example.com ", &yes)}, nil)
	want = mailboxSet{addrs: []string{"Carol@example.com"}, index: []int{0}, exclude: []bool{true}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(mailboxSet{})); diff != "" {
		t.Errorf("single (-want +got):\n%s", diff)
	}
}
