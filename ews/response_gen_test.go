package ews

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/fedavail/fedavail/internal/ns"
)

// responseGen writes random GetUserAvailability answers in the many
// spellings XML allows — prefixed or default namespaces, comments, CDATA,
// character references, white space, unknown elements, repeated elements —
// and, rarely, with mistakes: an element in the other EWS namespace, an
// unreadable number, boolean or time. It drives the differential tests of
// the hand-written decoder against encoding/xml.
type responseGen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *responseGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *responseGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// open writes a start tag for local in space, usually, or in the other EWS
// namespace when a mistake is due, and returns the matching end tag.
func (g *responseGen) open(space, local string, attrs ...string) string {
	if g.chance(0.02) {
		space = map[string]string{MessagesNS: TypesNS, TypesNS: MessagesNS}[space]
	}
	name, decl := local, ` xmlns="`+space+`"`
	if g.chance(0.5) {
		// m and t are declared on the root element.
		name, decl = map[string]string{MessagesNS: "m:", TypesNS: "t:"}[space]+local, ""
	}
	g.b.WriteString("<" + name + decl)
	for i := 0; i+1 < len(attrs); i += 2 {
		fmt.Fprintf(&g.b, ` %s="%s"`, attrs[i], attrs[i+1])
	}
	g.b.WriteString(">")
	g.noise()
	return "</" + name + ">"
}

// noise writes what decoders must ignore between elements.
func (g *responseGen) noise() {
	switch {
	case g.chance(0.05):
		g.b.WriteString("\n  ")
	case g.chance(0.02):
		g.b.WriteString("<!-- note -->")
	case g.chance(0.02):
		g.b.WriteString(`<t:Unknown Attr="x">text<t:StartTime>not a time</t:StartTime></t:Unknown>`)
	case g.chance(0.01):
		g.b.WriteString("<?pi data?>")
	}
}

// leaf writes an element holding text, escaped in one of several ways.
func (g *responseGen) leaf(space, local, text string) {
	end := g.open(space, local)
	switch {
	case g.chance(0.05) && !strings.Contains(text, "]]>"):
		g.b.WriteString("<![CDATA[" + text + "]]>")
	case g.chance(0.05) && len(text) > 1:
		// Text split by a comment and an ignored child element.
		g.escape(text[:1])
		g.b.WriteString("<!--x--><t:Ignored>hidden</t:Ignored>")
		g.escape(text[1:])
	default:
		g.escape(text)
	}
	g.b.WriteString(end)
	g.noise()
}

func (g *responseGen) escape(s string) {
	for _, c := range s {
		switch {
		case c == '<':
			g.b.WriteString("&lt;")
		case c == '&':
			g.b.WriteString("&amp;")
		case c == 'e' && g.chance(0.2):
			g.b.WriteString("&#101;")
		default:
			g.b.WriteRune(c)
		}
	}
}

// intText, boolText and timeText return the text of a leaf of their kind,
// in various legal spellings and, rarely, unreadable.
func (g *responseGen) intText(n int) string {
	switch {
	case g.chance(0.01):
		return "12x"
	case g.chance(0.05):
		return " " + strconv.Itoa(n) + "\n"
	case g.chance(0.02):
		return ""
	}
	return strconv.Itoa(n)
}

func (g *responseGen) boolText() string {
	if g.chance(0.01) {
		return "yes"
	}
	return g.pick("true", "false", " true ", "1", "0", "")
}

func (g *responseGen) timeText() string {
	if g.chance(0.01) {
		return g.pick("2025-13-01T00:00:00", "", "yesterday")
	}
	s := fmt.Sprintf("2025-%02d-%02dT%02d:%02d:00", 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), 15*g.r.IntN(4))
	if g.chance(0.2) {
		s += ".5"
	}
	return s + g.pick("", "Z", "-07:00", "+05:30", "+00:00")
}

// response returns one complete SOAP envelope.
func (g *responseGen) response() []byte {
	g.b.Reset()
	g.b.WriteString(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Body>`)
	g.b.WriteString(`<GetUserAvailabilityResponse xmlns="` + MessagesNS + `" xmlns:m="` + MessagesNS + `" xmlns:t="` + TypesNS + `">`)
	if g.chance(0.9) {
		end := g.open(MessagesNS, "FreeBusyResponseArray")
		for range g.r.IntN(5) {
			g.freeBusyResponse()
		}
		g.b.WriteString(end)
	}
	if g.chance(0.4) {
		g.suggestions()
	}
	g.b.WriteString(`</GetUserAvailabilityResponse></s:Body></s:Envelope>`)
	return []byte(g.b.String())
}

func (g *responseGen) responseMessage() {
	class := g.pick("Success", "Success", "Warning", "Error", "Informational")
	end := g.open(MessagesNS, "ResponseMessage", "ResponseClass", class)
	if class != "Success" {
		g.leaf(MessagesNS, "MessageText", "no access & <denied>")
	}
	g.leaf(MessagesNS, "ResponseCode", g.pick("NoError", "ErrorNoFreeBusyAccess", "ErrorServerBusy", "ErrorSomethingNew"))
	if g.chance(0.3) {
		g.leaf(MessagesNS, "DescriptiveLinkKey", g.intText(0))
	}
	if g.chance(0.3) {
		x := g.open(MessagesNS, "MessageXml")
		for range 1 + g.r.IntN(2) {
			v := g.open(TypesNS, "Value", "Name", g.pick("BackOffMilliseconds", "ExceptionType"))
			g.escape(g.pick(" 2500 ", "NoFreeBusyAccessException"))
			g.b.WriteString(v)
		}
		g.b.WriteString(x)
	}
	g.b.WriteString(end)
}

func (g *responseGen) freeBusyResponse() {
	end := g.open(MessagesNS, "FreeBusyResponse")
	if g.chance(0.95) {
		g.responseMessage()
	}
	if g.chance(0.8) {
		g.freeBusyView()
	}
	if g.chance(0.03) { // a second view is merged into the first
		g.freeBusyView()
	}
	g.b.WriteString(end)
}

func (g *responseGen) freeBusyView() {
	end := g.open(MessagesNS, "FreeBusyView")
	g.leaf(TypesNS, "FreeBusyViewType", g.pick("MergedOnly", "FreeBusy", "FreeBusyMerged", "Detailed", "DetailedMerged", "None", "FutureView"))
	if g.chance(0.7) {
		var merged strings.Builder
		for range g.r.IntN(60) {
			merged.WriteByte("0123456x"[g.r.IntN(8)])
		}
		g.leaf(TypesNS, "MergedFreeBusy", merged.String())
	}
	if g.chance(0.8) {
		arr := g.open(TypesNS, "CalendarEventArray")
		for range g.r.IntN(6) {
			g.calendarEvent()
		}
		g.b.WriteString(arr)
	}
	if g.chance(0.6) {
		g.workingHours()
	}
	g.b.WriteString(end)
}

func (g *responseGen) calendarEvent() {
	end := g.open(TypesNS, "CalendarEvent")
	g.leaf(TypesNS, "StartTime", g.timeText())
	g.leaf(TypesNS, "EndTime", g.timeText())
	g.leaf(TypesNS, "BusyType", g.pick("Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData", "Elsewhere2"))
	if g.chance(0.02) { // a repeated element overwrites the first
		g.leaf(TypesNS, "BusyType", "Busy")
	}
	if g.chance(0.6) {
		d := g.open(TypesNS, "CalendarEventDetails")
		if g.chance(0.7) {
			g.leaf(TypesNS, "ID", "AAMkAD"+strconv.Itoa(g.r.IntN(1000)))
			g.leaf(TypesNS, "Subject", g.pick("Planning", "Q&A <draft>", "Café", "]]>"))
			g.leaf(TypesNS, "Location", g.pick("Room 1", ""))
		}
		for _, f := range []string{"IsMeeting", "IsRecurring", "IsException", "IsReminderSet", "IsPrivate"} {
			g.leaf(TypesNS, f, g.boolText())
		}
		g.b.WriteString(d)
	}
	g.b.WriteString(end)
}

func (g *responseGen) workingHours() {
	end := g.open(TypesNS, "WorkingHours")
	tz := g.open(TypesNS, "TimeZone")
	g.leaf(TypesNS, "Bias", g.intText(480-60*g.r.IntN(20)))
	for _, name := range []string{"StandardTime", "DaylightTime"} {
		e := g.open(TypesNS, name)
		g.leaf(TypesNS, "Bias", g.intText(-60*g.r.IntN(2)))
		g.leaf(TypesNS, "Time", g.pick("02:00:00", "03:00:00", "00:00:00"))
		g.leaf(TypesNS, "DayOrder", g.intText(1+g.r.IntN(5)))
		g.leaf(TypesNS, "Month", g.intText(g.r.IntN(13)))
		g.leaf(TypesNS, "DayOfWeek", g.pick("Sunday", "Saturday", "Funday"))
		if g.chance(0.1) {
			g.leaf(TypesNS, "Year", "2025")
		}
		g.b.WriteString(e)
	}
	g.b.WriteString(tz)
	arr := g.open(TypesNS, "WorkingPeriodArray")
	for range g.r.IntN(3) {
		p := g.open(TypesNS, "WorkingPeriod")
		g.leaf(TypesNS, "DayOfWeek", g.pick("Monday Tuesday Wednesday Thursday Friday", "Weekday", "Saturday Sunday", ""))
		g.leaf(TypesNS, "StartTimeInMinutes", g.intText(480))
		g.leaf(TypesNS, "EndTimeInMinutes", g.intText(1020))
		g.b.WriteString(p)
	}
	g.b.WriteString(arr)
	g.b.WriteString(end)
}

func (g *responseGen) suggestions() {
	end := g.open(MessagesNS, "SuggestionsResponse")
	g.responseMessage()
	arr := g.open(MessagesNS, "SuggestionDayResultArray")
	for range g.r.IntN(3) {
		day := g.open(TypesNS, "SuggestionDayResult")
		g.leaf(TypesNS, "Date", g.timeText())
		g.leaf(TypesNS, "DayQuality", g.pick("Excellent", "Good", "Fair", "Poor", "Superb"))
		sa := g.open(TypesNS, "SuggestionArray")
		for range g.r.IntN(3) {
			s := g.open(TypesNS, "Suggestion")
			g.leaf(TypesNS, "MeetingTime", g.timeText())
			g.leaf(TypesNS, "IsWorkTime", g.boolText())
			g.leaf(TypesNS, "SuggestionQuality", g.pick("Excellent", "Good", "Poor"))
			if g.chance(0.8) {
				c := g.open(TypesNS, "AttendeeConflictDataArray")
				for range g.r.IntN(4) {
					g.conflict()
				}
				g.b.WriteString(c)
			}
			g.b.WriteString(s)
		}
		g.b.WriteString(sa)
		g.b.WriteString(day)
	}
	g.b.WriteString(arr)
	g.b.WriteString(end)
}

func (g *responseGen) conflict() {
	kind := g.pick("IndividualAttendeeConflictData", "GroupAttendeeConflictData", "TooBigGroupAttendeeConflictData", "UnknownAttendeeConflictData", "FutureConflictData")
	end := g.open(TypesNS, kind)
	switch kind {
	case "IndividualAttendeeConflictData":
		g.leaf(TypesNS, "BusyType", g.pick("Busy", "Free", "Elsewhere2"))
	case "GroupAttendeeConflictData":
		for _, f := range []string{"NumberOfMembers", "NumberOfMembersAvailable", "NumberOfMembersWithConflict", "NumberOfMembersWithNoData"} {
			g.leaf(TypesNS, f, g.intText(g.r.IntN(10)))
		}
	}
	g.b.WriteString(end)
}
