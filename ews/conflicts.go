package ews

import (
	"encoding/xml"
	"strconv"
)

// ConflictKind says which variant of t:AttendeeConflictData an element is.
type ConflictKind string

// Conflict kinds: the element names of ArrayOfAttendeeConflictData.
const (
	ConflictUnknown    ConflictKind = "UnknownAttendeeConflictData"
	ConflictIndividual ConflictKind = "IndividualAttendeeConflictData"
	ConflictTooBig     ConflictKind = "TooBigGroupAttendeeConflictData"
	ConflictGroup      ConflictKind = "GroupAttendeeConflictData"
)

// AttendeeConflicts is t:ArrayOfAttendeeConflictData.
type AttendeeConflicts struct {
	Items []AttendeeConflictData `xml:",any"`
}

// AttendeeConflictData is how one attendee fares at a suggested time. The
// schema has four variants; Kind tells them apart and only the fields of that
// variant are meaningful. An element of a kind this package does not know is
// kept with its name as Kind.
type AttendeeConflictData struct {
	Kind ConflictKind
	// BusyType is set for ConflictIndividual.
	BusyType BusyType
	// The counts are set for ConflictGroup (a distribution list).
	NumberOfMembers             int
	NumberOfMembersAvailable    int
	NumberOfMembersWithConflict int
	NumberOfMembersWithNoData   int
}

type conflictWire struct {
	BusyType                    BusyType `xml:"BusyType"`
	NumberOfMembers             int      `xml:"NumberOfMembers"`
	NumberOfMembersAvailable    int      `xml:"NumberOfMembersAvailable"`
	NumberOfMembersWithConflict int      `xml:"NumberOfMembersWithConflict"`
	NumberOfMembersWithNoData   int      `xml:"NumberOfMembersWithNoData"`
}

// UnmarshalXML implements xml.Unmarshaler.
func (c *AttendeeConflictData) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var w conflictWire
	if err := d.DecodeElement(&w, &start); err != nil {
		return err
	}
	*c = AttendeeConflictData{
		Kind:                        ConflictKind(start.Name.Local),
		BusyType:                    w.BusyType,
		NumberOfMembers:             w.NumberOfMembers,
		NumberOfMembersAvailable:    w.NumberOfMembersAvailable,
		NumberOfMembersWithConflict: w.NumberOfMembersWithConflict,
		NumberOfMembersWithNoData:   w.NumberOfMembersWithNoData,
	}
	return nil
}

// MarshalXML implements xml.Marshaler, writing the element of c's kind in
// the types namespace with the fields that kind has.
func (c AttendeeConflictData) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	kind := c.Kind
	if kind == "" {
		kind = ConflictUnknown
	}
	start := xml.StartElement{Name: xml.Name{Space: TypesNS, Local: string(kind)}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	switch kind {
	case ConflictIndividual:
		if err := e.EncodeElement(c.BusyType, xml.StartElement{Name: xml.Name{Local: "BusyType"}}); err != nil {
			return err
		}
	case ConflictGroup:
		for _, f := range []struct {
			name string
			n    int
		}{
			{"NumberOfMembers", c.NumberOfMembers},
			{"NumberOfMembersAvailable", c.NumberOfMembersAvailable},
			{"NumberOfMembersWithConflict", c.NumberOfMembersWithConflict},
			{"NumberOfMembersWithNoData", c.NumberOfMembersWithNoData},
		} {
			if err := e.EncodeElement(strconv.Itoa(f.n), xml.StartElement{Name: xml.Name{Local: f.name}}); err != nil {
				return err
			}
		}
	}
	return e.EncodeToken(start.End())
}
