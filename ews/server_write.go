package ews

import (
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/fedavail/fedavail/internal/soap"
)

// This file writes GetUserAvailability answers by hand. encoding/xml's
// reflection was a seventh of the handler's time; appending to one buffer
// costs a fraction of it. The output is byte for byte what
// soap.Envelope.Marshal writes for the same values (a test compares the two
// over many generated answers), so the golden files and the schema checks
// apply to both.

// errUnwritable is returned for values the hand-written encoder does not
// cover (an attendee-conflict kind it does not know); the caller then falls
// back to encoding/xml.
var errUnwritable = errors.New("ews: value not covered by the fast encoder")

const (
	xmlDecl     = `<?xml version="1.0" encoding="utf-8"?>`
	xmlnsTypes  = ` xmlns="` + TypesNS + `"`
	xmlnsMsgs   = ` xmlns="` + MessagesNS + `"`
	xmlnsErrors = ` xmlns="` + ErrorsNS + `"`
	envelopeEnd = `</s:Body></s:Envelope>`
)

// appendAvailabilityEnvelope appends the whole answer envelope: the
// ServerVersionInfo header and r as the body. freeBusy, if not nil, is
// r's FreeBusyResponse elements already written.
func appendAvailabilityEnvelope(b []byte, v soap.Version, sv ServerVersion, r *GetUserAvailabilityResponse, freeBusy []byte) ([]byte, error) {
	b = append(b, xmlDecl...)
	b = append(b, `<s:Envelope xmlns:s="`...)
	b = append(b, v.Namespace()...)
	b = append(b, `"><s:Header><ServerVersionInfo`...)
	b = append(b, xmlnsTypes...)
	b = appendIntAttr(b, "MajorVersion", sv.MajorVersion)
	b = appendIntAttr(b, "MinorVersion", sv.MinorVersion)
	b = appendIntAttr(b, "MajorBuildNumber", sv.MajorBuildNumber)
	b = appendIntAttr(b, "MinorBuildNumber", sv.MinorBuildNumber)
	if sv.Version != "" {
		b = appendAttr(b, "Version", sv.Version)
	}
	b = append(b, `></ServerVersionInfo></s:Header><s:Body>`...)
	b, err := appendAvailabilityResponse(b, r, freeBusy)
	if err != nil {
		return nil, err
	}
	return append(b, envelopeEnd...), nil
}

func appendAvailabilityResponse(b []byte, r *GetUserAvailabilityResponse, freeBusy []byte) ([]byte, error) {
	b = append(b, `<GetUserAvailabilityResponse`+xmlnsMsgs+`><FreeBusyResponseArray>`...)
	if freeBusy != nil {
		b = append(b, freeBusy...)
	} else {
		for i := range r.FreeBusyResponses {
			b = appendFreeBusyResponse(b, &r.FreeBusyResponses[i])
		}
	}
	b = append(b, `</FreeBusyResponseArray>`...)
	if s := r.SuggestionsResponse; s != nil {
		var err error
		if b, err = appendSuggestionsResponse(b, s); err != nil {
			return nil, err
		}
	}
	return append(b, `</GetUserAvailabilityResponse>`...), nil
}

func appendFreeBusyResponse(b []byte, r *FreeBusyResponse) []byte {
	b = append(b, `<FreeBusyResponse>`...)
	if r.ResponseMessage != nil {
		b = appendResponseMessage(b, r.ResponseMessage)
	}
	if v := r.FreeBusyView; v != nil {
		b = append(b, `<FreeBusyView>`...)
		b = appendElem(b, `FreeBusyViewType`+xmlnsTypes, "FreeBusyViewType", string(v.FreeBusyViewType))
		if v.MergedFreeBusy != "" {
			b = appendElem(b, `MergedFreeBusy`+xmlnsTypes, "MergedFreeBusy", v.MergedFreeBusy)
		}
		if v.CalendarEvents != nil {
			b = append(b, `<CalendarEventArray`+xmlnsTypes+`>`...)
			for i := range v.CalendarEvents.Events {
				b = appendCalendarEvent(b, &v.CalendarEvents.Events[i])
			}
			b = append(b, `</CalendarEventArray>`...)
		}
		if wh := v.WorkingHours; wh != nil {
			b = appendWorkingHours(b, wh)
		}
		b = append(b, `</FreeBusyView>`...)
	}
	return append(b, `</FreeBusyResponse>`...)
}

func appendResponseMessage(b []byte, m *ResponseMessage) []byte {
	b = append(b, `<ResponseMessage`...)
	b = appendAttr(b, "ResponseClass", string(m.ResponseClass))
	b = append(b, '>')
	if m.MessageText != "" {
		b = appendElem(b, "MessageText", "MessageText", m.MessageText)
	}
	if m.ResponseCode != "" {
		b = appendElem(b, "ResponseCode", "ResponseCode", string(m.ResponseCode))
	}
	if m.DescriptiveLinkKey != nil {
		b = appendElem(b, "DescriptiveLinkKey", "DescriptiveLinkKey", strconv.Itoa(*m.DescriptiveLinkKey))
	}
	if x := m.MessageXML; x != nil {
		b = append(b, `<MessageXml>`...)
		for _, v := range x.Values {
			b = append(b, `<Value`...)
			b = appendAttr(b, "Name", v.Name)
			b = append(b, '>')
			b = appendEscaped(b, v.Value)
			b = append(b, `</Value>`...)
		}
		for _, e := range [...][2]string{
			{"ExceptionType", x.ExceptionType}, {"ExceptionCode", x.ExceptionCode},
			{"ExceptionMessage", x.ExceptionMessage}, {"ExceptionServerName", x.ExceptionServerName},
		} {
			if e[1] != "" {
				b = appendElem(b, e[0]+xmlnsErrors, e[0], e[1])
			}
		}
		b = append(b, `</MessageXml>`...)
	}
	return append(b, `</ResponseMessage>`...)
}

func appendCalendarEvent(b []byte, e *CalendarEvent) []byte {
	b = append(b, `<CalendarEvent>`...)
	b = appendDateTime(b, "StartTime", e.StartTime)
	b = appendDateTime(b, "EndTime", e.EndTime)
	b = appendElem(b, "BusyType", "BusyType", string(e.BusyType))
	if d := e.Details; d != nil {
		b = append(b, `<CalendarEventDetails>`...)
		if d.ID != "" {
			b = appendElem(b, "ID", "ID", d.ID)
		}
		if d.Subject != "" {
			b = appendElem(b, "Subject", "Subject", d.Subject)
		}
		if d.Location != "" {
			b = appendElem(b, "Location", "Location", d.Location)
		}
		b = appendBool(b, "IsMeeting", d.IsMeeting)
		b = appendBool(b, "IsRecurring", d.IsRecurring)
		b = appendBool(b, "IsException", d.IsException)
		b = appendBool(b, "IsReminderSet", d.IsReminderSet)
		b = appendBool(b, "IsPrivate", d.IsPrivate)
		b = append(b, `</CalendarEventDetails>`...)
	}
	return append(b, `</CalendarEvent>`...)
}

func appendWorkingHours(b []byte, wh *WorkingHours) []byte {
	b = append(b, `<WorkingHours`+xmlnsTypes+`><TimeZone>`...)
	b = appendInt(b, "Bias", wh.TimeZone.Bias)
	b = appendZoneTime(b, "StandardTime", &wh.TimeZone.StandardTime)
	b = appendZoneTime(b, "DaylightTime", &wh.TimeZone.DaylightTime)
	b = append(b, `</TimeZone><WorkingPeriodArray>`...)
	for _, p := range wh.WorkingPeriods {
		b = append(b, `<WorkingPeriod>`...)
		b = appendElem(b, "DayOfWeek", "DayOfWeek", p.DayOfWeek)
		b = appendInt(b, "StartTimeInMinutes", p.StartTimeInMinutes)
		b = appendInt(b, "EndTimeInMinutes", p.EndTimeInMinutes)
		b = append(b, `</WorkingPeriod>`...)
	}
	return append(b, `</WorkingPeriodArray></WorkingHours>`...)
}

func appendZoneTime(b []byte, name string, t *TimeZoneTime) []byte {
	b = appendOpen(b, name)
	b = appendInt(b, "Bias", t.Bias)
	b = appendElem(b, "Time", "Time", t.Time)
	b = appendInt(b, "DayOrder", t.DayOrder)
	b = appendInt(b, "Month", t.Month)
	b = appendElem(b, "DayOfWeek", "DayOfWeek", t.DayOfWeek)
	if t.Year != "" {
		b = appendElem(b, "Year", "Year", t.Year)
	}
	return appendClose(b, name)
}

func appendSuggestionsResponse(b []byte, s *SuggestionsResponse) ([]byte, error) {
	b = append(b, `<SuggestionsResponse>`...)
	if s.ResponseMessage != nil {
		b = appendResponseMessage(b, s.ResponseMessage)
	}
	b = append(b, `<SuggestionDayResultArray>`...)
	for i := range s.Days {
		d := &s.Days[i]
		b = append(b, `<SuggestionDayResult`+xmlnsTypes+`>`...)
		b = appendDateTime(b, "Date", d.Date)
		b = appendElem(b, "DayQuality", "DayQuality", string(d.DayQuality))
		b = append(b, `<SuggestionArray>`...)
		for j := range d.Suggestions {
			var err error
			if b, err = appendSuggestion(b, &d.Suggestions[j]); err != nil {
				return nil, err
			}
		}
		b = append(b, `</SuggestionArray></SuggestionDayResult>`...)
	}
	return append(b, `</SuggestionDayResultArray></SuggestionsResponse>`...), nil
}

func appendSuggestion(b []byte, s *Suggestion) ([]byte, error) {
	b = append(b, `<Suggestion>`...)
	b = appendDateTime(b, "MeetingTime", s.MeetingTime)
	b = appendBool(b, "IsWorkTime", s.IsWorkTime)
	b = appendElem(b, "SuggestionQuality", "SuggestionQuality", string(s.SuggestionQuality))
	if c := s.Conflicts; c != nil {
		b = append(b, `<AttendeeConflictDataArray>`...)
		for i := range c.Items {
			var err error
			if b, err = appendConflict(b, &c.Items[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, `</AttendeeConflictDataArray>`...)
	}
	return append(b, `</Suggestion>`...), nil
}

// appendConflict mirrors AttendeeConflictData.MarshalXML.
func appendConflict(b []byte, c *AttendeeConflictData) ([]byte, error) {
	kind := c.Kind
	if kind == "" {
		kind = ConflictUnknown
	}
	switch kind {
	case ConflictUnknown, ConflictTooBig, ConflictIndividual, ConflictGroup:
	default:
		return nil, errUnwritable
	}
	b = append(b, '<')
	b = append(b, kind...)
	b = append(b, xmlnsTypes+`>`...)
	switch kind {
	case ConflictIndividual:
		b = appendElem(b, "BusyType", "BusyType", string(c.BusyType))
	case ConflictGroup:
		b = appendInt(b, "NumberOfMembers", c.NumberOfMembers)
		b = appendInt(b, "NumberOfMembersAvailable", c.NumberOfMembersAvailable)
		b = appendInt(b, "NumberOfMembersWithConflict", c.NumberOfMembersWithConflict)
		b = appendInt(b, "NumberOfMembersWithNoData", c.NumberOfMembersWithNoData)
	}
	b = append(b, "</"...)
	b = append(b, kind...)
	return append(b, '>'), nil
}

// The helpers below take element names that are constants of this file;
// only values are escaped.

func appendOpen(b []byte, name string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	return append(b, '>')
}

func appendClose(b []byte, name string) []byte {
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// appendElem writes <open>text</name>; open is the name with any
// namespace declaration.
func appendElem(b []byte, open, name, text string) []byte {
	b = appendOpen(b, open)
	b = appendEscaped(b, text)
	return appendClose(b, name)
}

func appendInt(b []byte, name string, n int) []byte {
	b = appendOpen(b, name)
	b = strconv.AppendInt(b, int64(n), 10)
	return appendClose(b, name)
}

func appendBool(b []byte, name string, v bool) []byte {
	b = appendOpen(b, name)
	b = strconv.AppendBool(b, v)
	return appendClose(b, name)
}

func appendDateTime(b []byte, name string, d DateTime) []byte {
	b = appendOpen(b, name)
	b = appendDateTimeValue(b, d)
	return appendClose(b, name)
}

// appendDateTimeValue writes d as DateTime.MarshalText does. The times of
// answers (wall-clock readings of whole seconds) are written by hand:
// time.AppendFormat was most of the cost of writing an event.
func appendDateTimeValue(b []byte, d DateTime) []byte {
	if !d.Floating || d.Time.Nanosecond() != 0 {
		if d.Floating {
			return d.Time.AppendFormat(b, floatingLayout)
		}
		return d.Time.AppendFormat(b, offsetLayout)
	}
	year, month, day := d.Time.Date()
	if year < 0 || year > 9999 {
		return d.Time.AppendFormat(b, floatingLayout)
	}
	hour, min, sec := d.Time.Clock()
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	b = append(b, byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T')
	b = append(b, byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+min/10), byte('0'+min%10), ':')
	return append(b, byte('0'+sec/10), byte('0'+sec%10))
}

// appendIntAttr writes an omitempty integer attribute.
func appendIntAttr(b []byte, name string, n int) []byte {
	if n == 0 {
		return b
	}
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '"')
}

func appendAttr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendEscaped(b, value)
	return append(b, '"')
}

// appendEscaped escapes s for element content and attribute values alike,
// as encoding/xml's EscapeText does: the five markup characters and the
// three white-space characters that attribute normalization would alter
// become character references, and what XML cannot carry (invalid UTF-8,
// control characters, U+FFFE, U+FFFF) becomes U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if r == utf8.RuneError && width == 1 || !isXMLChar(r) {
				esc = "\uFFFD"
				break
			}
			i += width
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
}

// isXMLChar reports whether r is in XML 1.0's Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
