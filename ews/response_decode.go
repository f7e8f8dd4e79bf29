package ews

import (
	"encoding/xml"

	"github.com/fedavail/fedavail"
)

// This file decodes GetUserAvailabilityResponse by hand. A 100-mailbox,
// week-long detailed answer is several megabytes and hundreds of thousands
// of elements; encoding/xml's reflection costs more per element than its
// tokenizer does, so the client reads the tree with a token loop instead.
//
// The struct tags stay: they are the schema mirror the server encodes with,
// and the reference the tests decode with. The decoders below follow the
// same rules, namespace checks included: an element whose tag names a
// namespace is only recognized in it, other elements in any namespace, an
// element repeated where one is expected is merged into (pointers) or
// overwrites (values) the first, and anything unrecognized is skipped.

// UnmarshalXML implements xml.Unmarshaler. It reads what the struct tags
// describe, without reflection.
func (r *GetUserAvailabilityResponse) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return r.decode(&elementReader{src: decoderSource{d}}, start)
}

func (r *GetUserAvailabilityResponse) decode(er *elementReader, start xml.StartElement) (err error) {
	want := getUserAvailabilityResponseName
	if start.Name.Local != want.Local {
		return xml.UnmarshalError("expected element type <" + want.Local + "> but have <" + start.Name.Local + ">")
	}
	if start.Name.Space != want.Space {
		return &fedavail.NamespaceError{Element: want.Local, Got: start.Name.Space, Want: want.Space}
	}
	r.XMLName = start.Name
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "FreeBusyResponseArray":
			err = er.each("FreeBusyResponse", func(xml.StartElement) error {
				r.FreeBusyResponses = append(r.FreeBusyResponses, FreeBusyResponse{})
				return r.FreeBusyResponses[len(r.FreeBusyResponses)-1].decode(er)
			})
		case "SuggestionsResponse":
			if r.SuggestionsResponse == nil {
				r.SuggestionsResponse = new(SuggestionsResponse)
			}
			err = r.SuggestionsResponse.decode(er)
		default:
			err = er.skip()
		}
	}
	return err
}

func (fr *FreeBusyResponse) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "ResponseMessage":
			if fr.ResponseMessage == nil {
				fr.ResponseMessage = new(ResponseMessage)
			}
			err = fr.ResponseMessage.decode(er, el)
		case "FreeBusyView":
			if fr.FreeBusyView == nil {
				fr.FreeBusyView = new(FreeBusyView)
			}
			err = fr.FreeBusyView.decode(er)
		default:
			err = er.skip()
		}
	}
	return err
}

// Tables of the enumeration values decoding returns without allocating.
// They are never modified.
var (
	responseClasses = []ResponseClass{Success, Warning, Error}
	responseCodes   = []ResponseCode{NoError, ErrorNoFreeBusyAccess, ErrorMailRecipientNotFound, ErrorServerBusy, ErrorFreeBusyGenerationFailed}
	viewTypes       = []ViewType{ViewNone, ViewMergedOnly, ViewFreeBusy, ViewFreeBusyMerged, ViewDetailed, ViewDetailedMerged}
	busyTypes       = []BusyType{Free, Tentative, Busy, OOF, WorkingElsewhere, NoData}
	qualities       = []Quality{Excellent, Good, Fair, Poor}
	// commonTexts are other short texts that recur in every answer.
	commonTexts = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
		"00:00:00", "01:00:00", "02:00:00", "03:00:00", "Monday Tuesday Wednesday Thursday Friday"}
)

func (rm *ResponseMessage) decode(er *elementReader, start xml.StartElement) (err error) {
	if v, ok := attr(start, "ResponseClass"); ok {
		rm.ResponseClass = intern(v, responseClasses)
	}
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "MessageText":
			rm.MessageText, err = er.string()
		case "ResponseCode":
			rm.ResponseCode, err = enum(er, responseCodes)
		case "DescriptiveLinkKey":
			if rm.DescriptiveLinkKey == nil {
				rm.DescriptiveLinkKey = new(int)
			}
			*rm.DescriptiveLinkKey, err = er.int()
		case "MessageXml":
			if rm.MessageXML == nil {
				rm.MessageXML = new(MessageXML)
			}
			err = decodeMessageXML(er, rm.MessageXML)
		default:
			err = er.skip()
		}
	}
	return err
}

func decodeMessageXML(er *elementReader, m *MessageXML) (err error) {
	for start := range er.children(&err) {
		var dst *string
		if start.Name.Space == ErrorsNS {
			switch start.Name.Local {
			case "ExceptionType":
				dst = &m.ExceptionType
			case "ExceptionCode":
				dst = &m.ExceptionCode
			case "ExceptionMessage":
				dst = &m.ExceptionMessage
			case "ExceptionServerName":
				dst = &m.ExceptionServerName
			}
		}
		switch {
		case dst != nil:
			*dst, err = er.string()
		case start.Name.Local == "Value":
			var v fedavail.MessageValue
			v.Name, _ = attr(start, "Name")
			v.Value, err = er.string()
			m.Values = append(m.Values, v)
		default:
			err = er.skip()
		}
	}
	return err
}

func (v *FreeBusyView) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		// All four children are tagged with the types namespace.
		if el.Name.Space != TypesNS {
			err = er.skip()
			continue
		}
		switch el.Name.Local {
		case "FreeBusyViewType":
			v.FreeBusyViewType, err = enum(er, viewTypes)
		case "MergedFreeBusy":
			v.MergedFreeBusy, err = er.string()
		case "CalendarEventArray":
			if v.CalendarEvents == nil {
				v.CalendarEvents = new(CalendarEvents)
			}
			ce := v.CalendarEvents
			err = er.each("CalendarEvent", func(xml.StartElement) error {
				ce.Events = append(ce.Events, CalendarEvent{})
				return ce.Events[len(ce.Events)-1].decode(er)
			})
		case "WorkingHours":
			if v.WorkingHours == nil {
				v.WorkingHours = new(WorkingHours)
			}
			err = v.WorkingHours.decode(er)
		default:
			err = er.skip()
		}
	}
	return err
}

func (e *CalendarEvent) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "StartTime":
			err = er.dateTimeInto(&e.StartTime)
		case "EndTime":
			err = er.dateTimeInto(&e.EndTime)
		case "BusyType":
			e.BusyType, err = enum(er, busyTypes)
		case "CalendarEventDetails":
			if e.Details == nil {
				e.Details = new(CalendarEventDetails)
			}
			err = e.Details.decode(er)
		default:
			err = er.skip()
		}
	}
	return err
}

func (cd *CalendarEventDetails) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "ID":
			cd.ID, err = er.string()
		case "Subject":
			cd.Subject, err = er.string()
		case "Location":
			cd.Location, err = er.string()
		case "IsMeeting":
			cd.IsMeeting, err = er.bool()
		case "IsRecurring":
			cd.IsRecurring, err = er.bool()
		case "IsException":
			cd.IsException, err = er.bool()
		case "IsReminderSet":
			cd.IsReminderSet, err = er.bool()
		case "IsPrivate":
			cd.IsPrivate, err = er.bool()
		default:
			err = er.skip()
		}
	}
	return err
}

func (wh *WorkingHours) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "TimeZone":
			err = wh.TimeZone.decode(er)
		case "WorkingPeriodArray":
			err = er.each("WorkingPeriod", func(xml.StartElement) error {
				wh.WorkingPeriods = append(wh.WorkingPeriods, WorkingPeriod{})
				return wh.WorkingPeriods[len(wh.WorkingPeriods)-1].decode(er)
			})
		default:
			err = er.skip()
		}
	}
	return err
}

func (p *WorkingPeriod) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "DayOfWeek":
			p.DayOfWeek, err = enum(er, commonTexts)
		case "StartTimeInMinutes":
			p.StartTimeInMinutes, err = er.int()
		case "EndTimeInMinutes":
			p.EndTimeInMinutes, err = er.int()
		default:
			err = er.skip()
		}
	}
	return err
}

func (z *SerializableTimeZone) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "Bias":
			z.Bias, err = er.int()
		case "StandardTime":
			err = z.StandardTime.decode(er)
		case "DaylightTime":
			err = z.DaylightTime.decode(er)
		default:
			err = er.skip()
		}
	}
	return err
}

func (t *TimeZoneTime) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "Bias":
			t.Bias, err = er.int()
		case "Time":
			t.Time, err = enum(er, commonTexts)
		case "DayOrder":
			t.DayOrder, err = er.int()
		case "Month":
			t.Month, err = er.int()
		case "DayOfWeek":
			t.DayOfWeek, err = enum(er, commonTexts)
		case "Year":
			t.Year, err = er.string()
		default:
			err = er.skip()
		}
	}
	return err
}
