package ews

import (
	"encoding/xml"

	"github.com/fedavail/fedavail"
)

// The suggestions part of GetUserAvailabilityResponse, decoded by hand under
// the rules described in response_decode.go.

func (sr *SuggestionsResponse) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "ResponseMessage":
			if sr.ResponseMessage == nil {
				sr.ResponseMessage = new(ResponseMessage)
			}
			err = sr.ResponseMessage.decode(er, el)
		case "SuggestionDayResultArray":
			err = er.each("SuggestionDayResult", func(start xml.StartElement) error {
				sr.Days = append(sr.Days, SuggestionDayResult{})
				return sr.Days[len(sr.Days)-1].decode(er, start)
			})
		default:
			err = er.skip()
		}
	}
	return err
}

func (day *SuggestionDayResult) decode(er *elementReader, start xml.StartElement) (err error) {
	// XMLName's tag puts the element in the types namespace, and
	// encoding/xml refuses it in any other.
	if start.Name.Space != TypesNS {
		return &fedavail.NamespaceError{Element: start.Name.Local, Got: start.Name.Space, Want: TypesNS}
	}
	day.XMLName = start.Name
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "Date":
			err = er.dateTimeInto(&day.Date)
		case "DayQuality":
			day.DayQuality, err = enum(er, qualities)
		case "SuggestionArray":
			err = er.each("Suggestion", func(xml.StartElement) error {
				day.Suggestions = append(day.Suggestions, Suggestion{})
				return day.Suggestions[len(day.Suggestions)-1].decode(er)
			})
		default:
			err = er.skip()
		}
	}
	return err
}

func (s *Suggestion) decode(er *elementReader) (err error) {
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "MeetingTime":
			err = er.dateTimeInto(&s.MeetingTime)
		case "IsWorkTime":
			s.IsWorkTime, err = er.bool()
		case "SuggestionQuality":
			s.SuggestionQuality, err = enum(er, qualities)
		case "AttendeeConflictDataArray":
			if s.Conflicts == nil {
				s.Conflicts = new(AttendeeConflicts)
			}
			c := s.Conflicts
			// Every child is an item, whatever its name: the name is its Kind.
			err = er.each("", func(start xml.StartElement) error {
				c.Items = append(c.Items, AttendeeConflictData{})
				return c.Items[len(c.Items)-1].decode(er, start)
			})
		default:
			err = er.skip()
		}
	}
	return err
}

// decode replaces *c with the element's content, as UnmarshalXML does.
func (c *AttendeeConflictData) decode(er *elementReader, start xml.StartElement) (err error) {
	*c = AttendeeConflictData{Kind: ConflictKind(start.Name.Local)}
	for el := range er.children(&err) {
		switch el.Name.Local {
		case "BusyType":
			c.BusyType, err = enum(er, busyTypes)
		case "NumberOfMembers":
			c.NumberOfMembers, err = er.int()
		case "NumberOfMembersAvailable":
			c.NumberOfMembersAvailable, err = er.int()
		case "NumberOfMembersWithConflict":
			c.NumberOfMembersWithConflict, err = er.int()
		case "NumberOfMembersWithNoData":
			c.NumberOfMembersWithNoData, err = er.int()
		default:
			err = er.skip()
		}
	}
	return err
}
