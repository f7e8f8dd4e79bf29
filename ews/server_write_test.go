package ews

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testshared"
)

// answerGen generates availability answers with every optional part present
// or absent and text that needs escaping, for comparing the hand-written
// encoder with encoding/xml.
type answerGen struct{ r *rand.Rand }

var nastyStrings = []string{
	"", "plain", `a "quoted" <b>&amp;</b> 'x'`, "tab\there\nnew\rline", "\x00\x01\x1f ctl",
	"bad utf8 \xff\xfe end", "é ü 日本 🎉", "\uFFFD\uFFFE\uFFFF", "]]> <![CDATA[", "&#x41;", " spaced ",
}

func (g answerGen) str() string { return nastyStrings[g.r.IntN(len(nastyStrings))] }
func (g answerGen) maybe() bool { return g.r.IntN(3) > 0 }

func (g answerGen) dateTime() DateTime {
	zones := []*time.Location{time.UTC, time.FixedZone("", -7*3600), time.FixedZone("", 5*3600+1800)}
	t := time.Date(2000+g.r.IntN(40), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), g.r.IntN(3)*123456700, zones[g.r.IntN(len(zones))])
	if g.r.IntN(2) == 0 {
		return Wall(t, t.Location())
	}
	return At(t)
}

func (g answerGen) message() *ResponseMessage {
	if !g.maybe() {
		return nil
	}
	m := &ResponseMessage{ResponseClass: ResponseClass(g.str()), MessageText: g.str(), ResponseCode: ResponseCode(g.str())}
	if g.r.IntN(4) == 0 {
		k := g.r.IntN(2000) - 1000
		m.DescriptiveLinkKey = &k
	}
	if g.r.IntN(4) == 0 {
		m.MessageXML = &MessageXML{}
		for range g.r.IntN(3) {
			m.MessageXML.Values = append(m.MessageXML.Values, soap.MessageValue{Name: g.str(), Value: g.str()})
		}
		if g.maybe() {
			x := m.MessageXML
			x.ExceptionType, x.ExceptionCode, x.ExceptionMessage, x.ExceptionServerName = g.str(), g.str(), g.str(), g.str()
		}
	}
	return m
}

func (g answerGen) zoneTime() TimeZoneTime {
	return TimeZoneTime{Bias: g.r.IntN(200) - 100, Time: g.str(), DayOrder: g.r.IntN(6), Month: g.r.IntN(13), DayOfWeek: g.str(), Year: g.str()}
}

func (g answerGen) view() *FreeBusyView {
	if !g.maybe() {
		return nil
	}
	v := &FreeBusyView{FreeBusyViewType: ViewType(g.str()), MergedFreeBusy: g.str()}
	if g.maybe() {
		v.CalendarEvents = &CalendarEvents{}
		for range g.r.IntN(4) {
			e := CalendarEvent{StartTime: g.dateTime(), EndTime: g.dateTime(), BusyType: BusyType(g.str())}
			if g.maybe() {
				e.Details = &CalendarEventDetails{ID: g.str(), Subject: g.str(), Location: g.str(),
					IsMeeting: g.maybe(), IsRecurring: g.maybe(), IsException: g.maybe(), IsReminderSet: g.maybe(), IsPrivate: g.maybe()}
			}
			v.CalendarEvents.Events = append(v.CalendarEvents.Events, e)
		}
	}
	if g.maybe() {
		v.WorkingHours = &WorkingHours{TimeZone: SerializableTimeZone{Bias: g.r.IntN(1000) - 500, StandardTime: g.zoneTime(), DaylightTime: g.zoneTime()}}
		for range g.r.IntN(3) {
			v.WorkingHours.WorkingPeriods = append(v.WorkingHours.WorkingPeriods, WorkingPeriod{DayOfWeek: g.str(), StartTimeInMinutes: g.r.IntN(1440), EndTimeInMinutes: g.r.IntN(1440)})
		}
	}
	return v
}

func (g answerGen) suggestions() *SuggestionsResponse {
	if !g.maybe() {
		return nil
	}
	kinds := []ConflictKind{"", ConflictUnknown, ConflictIndividual, ConflictTooBig, ConflictGroup}
	s := &SuggestionsResponse{ResponseMessage: g.message()}
	for range g.r.IntN(3) {
		d := SuggestionDayResult{Date: g.dateTime(), DayQuality: Quality(g.str())}
		for range g.r.IntN(3) {
			sg := Suggestion{MeetingTime: g.dateTime(), IsWorkTime: g.maybe(), SuggestionQuality: Quality(g.str())}
			if g.maybe() {
				sg.Conflicts = &AttendeeConflicts{}
				for range g.r.IntN(4) {
					sg.Conflicts.Items = append(sg.Conflicts.Items, AttendeeConflictData{
						Kind: kinds[g.r.IntN(len(kinds))], BusyType: BusyType(g.str()),
						NumberOfMembers: g.r.IntN(9), NumberOfMembersAvailable: g.r.IntN(9), NumberOfMembersWithConflict: g.r.IntN(9), NumberOfMembersWithNoData: g.r.IntN(9),
					})
				}
			}
			d.Suggestions = append(d.Suggestions, sg)
		}
		s.Days = append(s.Days, d)
	}
	return s
}

func (g answerGen) answer() *GetUserAvailabilityResponse {
	out := &GetUserAvailabilityResponse{SuggestionsResponse: g.suggestions()}
	for range g.r.IntN(4) {
		out.FreeBusyResponses = append(out.FreeBusyResponses, FreeBusyResponse{ResponseMessage: g.message(), FreeBusyView: g.view()})
	}
	return out
}

// TestFastEncoderMatchesEncodingXML writes thousands of generated answers
// with both encoders and requires identical bytes.
func TestFastEncoderMatchesEncodingXML(t *testing.T) {
	g := answerGen{rand.New(rand.NewPCG(1, 2))}
	h := &Handler{cfg: HandlerConfig{ServerVersion: defaultServerVersion}}
	versions := []ServerVersion{defaultServerVersion, {}, {MajorVersion: 14, Version: `V"&<`}}
	for i := range 3000 {
		v := soap.V11
		if i%2 == 1 {
			v = soap.V12
		}
		h.cfg.ServerVersion = versions[i%len(versions)]
		a := g.answer()
		want, err := h.envelope(v, a).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendAvailabilityEnvelope(nil, v, h.cfg.ServerVersion, a, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d differs\n--- fast ---\n%s\n--- encoding/xml ---\n%s", i, got, want)
		}
	}
}

// TestFastEncoderSchemaValid validates a generated answer with realistic
// values (the enum fields from their value sets) against the EWS schema.
func TestFastEncoderSchemaValid(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, view := range []ViewType{ViewMergedOnly, ViewFreeBusy, ViewFreeBusyMerged, ViewDetailed, ViewDetailedMerged} {
		r := ts.do(t, call{body: availability(view, "alice@example.com", "none@example.com")}, nil)
		testshared.ValidateEWSEnvelope(t, r.data)
	}
}

func TestFastEncoderRefusesUnknownConflictKind(t *testing.T) {
	a := &GetUserAvailabilityResponse{SuggestionsResponse: &SuggestionsResponse{Days: []SuggestionDayResult{{
		Suggestions: []Suggestion{{Conflicts: &AttendeeConflicts{Items: []AttendeeConflictData{{Kind: "Future"}}}}},
	}}}}
	if _, err := appendAvailabilityEnvelope(nil, soap.V11, defaultServerVersion, a, nil); err != errUnwritable {
		t.Fatalf("err = %v, want errUnwritable (the handler then falls back to encoding/xml)", err)
	}
}

// TestFreeBusyWrittenOnce: the FreeBusyResponse bytes getUserAvailability
// writes while it measures them (each distinct mailbox once, repeats
// copied, refusals past the size cap) make the same answer, byte for byte,
// as encoding/xml writes from the response it returns, whatever the cap.
func TestFreeBusyWrittenOnce(t *testing.T) {
	body := mustMarshal(t, availability(ViewDetailedMerged, "alice@example.com", "avail@example.com", "ALICE@example.com",
		"none@example.com", "alice@example.com", "empty@example.com", "avail@example.com"))
	tooBigs := map[int]bool{}
	for limit := 1; limit < 40000; limit += 200 {
		h, err := NewHandler(HandlerConfig{Calendars: testCalendars(), Policy: stubPolicy{"avail@example.com": fedavail.AccessAvailabilityOnly, "none@example.com": fedavail.AccessNone},
			Now: func() time.Time { return testNow }, MaxAnswerBytes: limit})
		if err != nil {
			t.Fatal(err)
		}
		msg, rb, err := h.decode(body, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := &request{http: httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", nil), msg: msg, body: rb,
			requester: &fedavail.Requester{Address: "carol@example.com", Domain: "example.com"}, version: Exchange2013}
		ans, fault := h.getUserAvailability(req)
		if fault != nil {
			t.Fatal(fault)
		}
		a := ans.(*availabilityAnswer)
		got, err := appendAvailabilityEnvelope(nil, soap.V11, h.cfg.ServerVersion, &a.GetUserAvailabilityResponse, a.freeBusy)
		if err != nil {
			t.Fatal(err)
		}
		want, err := h.envelope(soap.V11, &a.GetUserAvailabilityResponse).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("cap %d: written once\n%s\nencoding/xml\n%s", limit, got, want)
		}
		n := 0
		for _, r := range a.FreeBusyResponses {
			if r.ResponseMessage.ResponseCode == ErrorResultSetTooBig {
				n++
			}
		}
		tooBigs[n] = true
	}
	if len(tooBigs) < 4 || !tooBigs[0] || !tooBigs[7] {
		t.Errorf("the caps tried refuse %v mailboxes: not every case was covered", tooBigs)
	}
}

// TestAppendDateTimeValue holds the hand-written times to time.Format with
// the layouts DateTime.MarshalText uses, for floating and offset times,
// whole seconds or not, and years outside 0…9999.
func TestAppendDateTimeValue(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("", -8*3600)}
	for i := range 20000 {
		sec := r.Int64N(400*365*86400) - 200*365*86400 // 1770 to 2170
		switch i % 10 {
		case 0:
			sec = r.Int64N(1<<40) - 1<<39 // years far outside 0…9999
		case 1:
			sec -= 2000 * 365 * 86400 // around year 0
		}
		tm := time.Unix(sec, 0).In(zones[i%len(zones)])
		if i%3 == 0 {
			tm = tm.Add(time.Duration(r.Int64N(1e9)))
		}
		for _, d := range []DateTime{{Time: tm}, Wall(tm, tm.Location())} {
			want := d.Time.Format(floatingLayout)
			if !d.Floating {
				want = d.Time.Format(offsetLayout)
			}
			if got := string(appendDateTimeValue([]byte("x"), d)); got != "x"+want {
				t.Fatalf("%v (floating %v): %q, want %q", d.Time, d.Floating, got, "x"+want)
			}
		}
	}
}

// BenchmarkAppendDateTimeValue writes an answer's time (a floating
// wall-clock reading of whole seconds) by hand and, for comparison, with
// time.AppendFormat.
func BenchmarkAppendDateTimeValue(b *testing.B) {
	d := Wall(time.Date(2024, 3, 11, 9, 30, 0, 0, time.UTC), time.UTC)
	buf := make([]byte, 0, 64)
	b.Run("hand", func(b *testing.B) {
		for b.Loop() {
			buf = appendDateTimeValue(buf[:0], d)
		}
	})
	b.Run("AppendFormat", func(b *testing.B) {
		for b.Loop() {
			buf = d.Time.AppendFormat(buf[:0], floatingLayout)
		}
	})
}
