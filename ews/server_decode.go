package ews

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/fedavail/fedavail/internal/xmlscan"
)

// This file decodes m:GetUserAvailabilityRequest by hand, from the same
// token stream that reads the envelope. It accepts and refuses exactly what
// encoding/xml does with the struct tags in types.go (a differential test and
// a fuzz target hold it to that): children are matched by local name in any
// namespace unless the tag names one; an element met twice is decoded again
// into the same value; unknown children are skipped; a MailboxData outside
// the types namespace, a malformed number, boolean or time fails the request.

// errMailboxDataNamespace is the error of a t:MailboxData in another
// namespace, which encoding/xml refuses because of the type's XMLName.
var errMailboxDataNamespace = fmt.Errorf("ews: MailboxData is not in %s", TypesNS)

// availabilitySpare is room for the parts of a usual
// GetUserAvailabilityRequest, allocated with it (see decoded): the
// decoder takes its pointers and first slices from here, not one
// allocation each.
type availabilitySpare struct {
	zone      SerializableTimeZone
	freeBusy  FreeBusyViewOptions
	mailboxes [1]MailboxData
	exclude   [1]bool
	excludes  int // how many of exclude are taken
}

// excludeConflicts returns room for a MailboxData's ExcludeConflicts.
func (s *availabilitySpare) excludeConflicts() *bool {
	if s.excludes < len(s.exclude) {
		s.excludes++
		return &s.exclude[s.excludes-1]
	}
	return new(bool)
}

func (r *requestReader) availabilityRequest(out *GetUserAvailabilityRequest, spare *availabilitySpare) error {
	out.XMLName = xml.Name{Space: MessagesNS, Local: "GetUserAvailabilityRequest"}
	return r.Children(func(t xmlscan.Name) error {
		switch {
		case t.Is(TypesNS, "TimeZone"):
			if out.TimeZone == nil {
				out.TimeZone = &spare.zone
			}
			return r.timeZone(out.TimeZone)
		case string(t.Local) == "MailboxDataArray":
			return r.Children(func(t xmlscan.Name) error {
				if string(t.Local) != "MailboxData" {
					return r.Skip()
				}
				if t.Space != TypesNS {
					return errMailboxDataNamespace
				}
				if out.MailboxData == nil {
					out.MailboxData = spare.mailboxes[:0]
				}
				out.MailboxData = append(out.MailboxData, MailboxData{XMLName: xml.Name{Space: TypesNS, Local: "MailboxData"}})
				return r.mailboxData(&out.MailboxData[len(out.MailboxData)-1], spare)
			})
		case t.Is(TypesNS, "FreeBusyViewOptions"):
			if out.FreeBusyViewOptions == nil {
				out.FreeBusyViewOptions = &spare.freeBusy
			}
			return r.freeBusyOptions(out.FreeBusyViewOptions)
		case t.Is(TypesNS, "SuggestionsViewOptions"):
			if out.SuggestionsViewOptions == nil {
				out.SuggestionsViewOptions = new(SuggestionsViewOptions)
			}
			return r.suggestionsOptions(out.SuggestionsViewOptions)
		}
		return r.Skip()
	})
}

func (r *requestReader) mailboxData(m *MailboxData, spare *availabilitySpare) error {
	return r.Children(func(t xmlscan.Name) error {
		switch string(t.Local) {
		case "Email":
			return r.Children(func(t xmlscan.Name) error {
				switch string(t.Local) {
				case "Name":
					return r.stringInto(&m.Email.Name)
				case "Address":
					return r.stringInto(&m.Email.Address)
				case "RoutingType":
					return r.stringInto(&m.Email.RoutingType)
				}
				return r.Skip()
			})
		case "AttendeeType":
			return r.stringInto((*string)(&m.AttendeeType))
		case "ExcludeConflicts":
			if m.ExcludeConflicts == nil {
				m.ExcludeConflicts = spare.excludeConflicts()
			}
			return r.boolInto(m.ExcludeConflicts)
		}
		return r.Skip()
	})
}

func (r *requestReader) freeBusyOptions(o *FreeBusyViewOptions) error {
	return r.Children(func(t xmlscan.Name) error {
		switch string(t.Local) {
		case "TimeWindow":
			return r.duration(&o.TimeWindow)
		case "MergedFreeBusyIntervalInMinutes":
			return r.intInto(&o.MergedFreeBusyIntervalInMinutes)
		case "RequestedView":
			return r.stringInto((*string)(&o.RequestedView))
		}
		return r.Skip()
	})
}

func (r *requestReader) suggestionsOptions(o *SuggestionsViewOptions) error {
	return r.Children(func(t xmlscan.Name) error {
		switch string(t.Local) {
		case "GoodThreshold":
			return r.intInto(&o.GoodThreshold)
		case "MaximumResultsByDay":
			return r.intInto(&o.MaximumResultsByDay)
		case "MaximumNonWorkHourResultsByDay":
			return r.intInto(&o.MaximumNonWorkHourResultsByDay)
		case "MeetingDurationInMinutes":
			return r.intInto(&o.MeetingDurationInMinutes)
		case "MinimumSuggestionQuality":
			return r.stringInto((*string)(&o.MinimumSuggestionQuality))
		case "DetailedSuggestionsWindow":
			return r.duration(&o.DetailedSuggestionsWindow)
		case "CurrentMeetingTime":
			if o.CurrentMeetingTime == nil {
				o.CurrentMeetingTime = new(DateTime)
			}
			return r.dateTimeInto(o.CurrentMeetingTime)
		case "GlobalObjectId":
			return r.stringInto(&o.GlobalObjectID)
		}
		return r.Skip()
	})
}

func (r *requestReader) duration(d *Duration) error {
	return r.Children(func(t xmlscan.Name) error {
		switch string(t.Local) {
		case "StartTime":
			return r.dateTimeInto(&d.StartTime)
		case "EndTime":
			return r.dateTimeInto(&d.EndTime)
		}
		return r.Skip()
	})
}

func (r *requestReader) timeZone(z *SerializableTimeZone) error {
	return r.Children(func(t xmlscan.Name) error {
		switch string(t.Local) {
		case "Bias":
			return r.intInto(&z.Bias)
		case "StandardTime":
			return r.zoneTime(&z.StandardTime)
		case "DaylightTime":
			return r.zoneTime(&z.DaylightTime)
		}
		return r.Skip()
	})
}

func (r *requestReader) zoneTime(z *TimeZoneTime) error {
	return r.Children(func(t xmlscan.Name) error {
		switch string(t.Local) {
		case "Bias":
			return r.intInto(&z.Bias)
		case "Time":
			return r.stringInto(&z.Time)
		case "DayOrder":
			return r.intInto(&z.DayOrder)
		case "Month":
			return r.intInto(&z.Month)
		case "DayOfWeek":
			return r.stringInto(&z.DayOfWeek)
		case "Year":
			return r.stringInto(&z.Year)
		}
		return r.Skip()
	})
}

// The leaf readers convert text as encoding/xml does: strings verbatim;
// numbers and booleans trimmed, empty meaning zero; times through
// DateTime.UnmarshalText.

// stringInto interns: requests repeat the same values (DayOfWeek, Time,
// RequestedView, the partner's addresses) one after another.
func (r *requestReader) stringInto(s *string) error {
	var err error
	*s, err = r.ReadString()
	return err
}

func (r *requestReader) intInto(n *int) error {
	b, err := r.ReadText()
	if err != nil || len(b) == 0 {
		*n = 0
		return err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return err
	}
	*n = int(v)
	return nil
}

func (r *requestReader) boolInto(v *bool) error {
	b, err := r.ReadText()
	if err != nil || len(b) == 0 {
		*v = false
		return err
	}
	*v, err = strconv.ParseBool(strings.TrimSpace(string(b)))
	return err
}

func (r *requestReader) dateTimeInto(d *DateTime) error {
	b, err := r.ReadText()
	if err != nil {
		return err
	}
	return d.UnmarshalText(b)
}
