package ews

// The enumerations below are string types so that a value this package does
// not know — WorkingElsewhere from a server newer than the requested schema
// version, or something Microsoft adds later — survives decoding unchanged
// instead of failing it. Each type has a Known method for callers who want
// to treat unknown values specially.

// BusyType is how a calendar item shows on free/busy (LegacyFreeBusyType).
type BusyType string

// Busy types. WorkingElsewhere is only sent by servers answering a request
// whose RequestServerVersion is Exchange2013 or later.
const (
	Free             BusyType = "Free"
	Tentative        BusyType = "Tentative"
	Busy             BusyType = "Busy"
	OOF              BusyType = "OOF"
	WorkingElsewhere BusyType = "WorkingElsewhere"
	NoData           BusyType = "NoData"
)

// Known reports whether b is one of the busy types of the EWS schema.
func (b BusyType) Known() bool {
	switch b {
	case Free, Tentative, Busy, OOF, WorkingElsewhere, NoData:
		return true
	}
	return false
}

// mergedDigits maps the digits of MergedFreeBusy to busy types: a digit is
// the value of Exchange's BusyType enumeration (Exchange 2013's
// InfoWorker BusyType.cs; MergedFreeBusy.cs writes busyType + '0').
var mergedDigits = [...]BusyType{Free, Tentative, Busy, OOF, WorkingElsewhere, NoData}

// BusyTypeFromDigit returns the busy type of one MergedFreeBusy digit in an
// answer to an Exchange2013 or later request: 0 Free, 1 Tentative, 2 Busy,
// 3 OOF, 4 WorkingElsewhere, 5 NoData. Answers to older schemas, which know
// no WorkingElsewhere, use 4 for NoData (the client decodes them so). Any
// other byte is returned as itself, a BusyType that is not Known.
func BusyTypeFromDigit(d byte) BusyType { return busyTypeFromDigit(d, true) }

// busyTypeFromDigit reads a digit of the newer schema (WorkingElsewhere
// known) or of the older one, where 4 is NoData.
func busyTypeFromDigit(d byte, newSchema bool) BusyType {
	if d == '4' && !newSchema {
		return NoData
	}
	if d >= '0' && int(d-'0') < len(mergedDigits) {
		return mergedDigits[d-'0']
	}
	return BusyType(string(rune(d)))
}

// Digit returns the MergedFreeBusy digit of b in the Exchange2013 schema,
// or '5' (no data) for a busy type without one.
func (b BusyType) Digit() byte {
	for i, m := range mergedDigits {
		if m == b {
			return byte('0' + i)
		}
	}
	return '5'
}

// ViewType is a free/busy view (FreeBusyViewType): what a request asks for
// and what the server says it granted.
type ViewType string

// Views, from least to most information. None is only valid in answers.
const (
	ViewNone           ViewType = "None"
	ViewMergedOnly     ViewType = "MergedOnly"
	ViewFreeBusy       ViewType = "FreeBusy"
	ViewFreeBusyMerged ViewType = "FreeBusyMerged"
	ViewDetailed       ViewType = "Detailed"
	ViewDetailedMerged ViewType = "DetailedMerged"
)

// Known reports whether v is one of the views of the EWS schema.
func (v ViewType) Known() bool {
	switch v {
	case ViewNone, ViewMergedOnly, ViewFreeBusy, ViewFreeBusyMerged, ViewDetailed, ViewDetailedMerged:
		return true
	}
	return false
}

// Merged reports whether the view includes the MergedFreeBusy string.
func (v ViewType) Merged() bool {
	return v == ViewMergedOnly || v == ViewFreeBusyMerged || v == ViewDetailedMerged
}

// Detailed reports whether the view includes subjects, locations and flags.
func (v ViewType) Detailed() bool { return v == ViewDetailed || v == ViewDetailedMerged }

// AttendeeType is a mailbox's role in a meeting (MeetingAttendeeType). It
// weighs the mailbox in suggestions.
type AttendeeType string

// Attendee types.
const (
	Organizer AttendeeType = "Organizer"
	Required  AttendeeType = "Required"
	Optional  AttendeeType = "Optional"
	Room      AttendeeType = "Room"
	Resource  AttendeeType = "Resource"
)

// Known reports whether a is one of the attendee types of the EWS schema.
func (a AttendeeType) Known() bool {
	switch a {
	case Organizer, Required, Optional, Room, Resource:
		return true
	}
	return false
}

// Quality is how good a suggested meeting time or day is (SuggestionQuality).
type Quality string

// Qualities, best first.
const (
	Excellent Quality = "Excellent"
	Good      Quality = "Good"
	Fair      Quality = "Fair"
	Poor      Quality = "Poor"
)

// Known reports whether q is one of the qualities of the EWS schema.
func (q Quality) Known() bool {
	switch q {
	case Excellent, Good, Fair, Poor:
		return true
	}
	return false
}

// ResponseClass is the outcome class of a ResponseMessage.
type ResponseClass string

// Response classes.
const (
	Success ResponseClass = "Success"
	Warning ResponseClass = "Warning"
	Error   ResponseClass = "Error"
)

// Version is an EWS schema version (ExchangeVersionType), sent in the
// RequestServerVersion header.
type Version string

// Versions a client may request. The server answers in the requested schema:
// WorkingElsewhere, for example, only appears with Exchange2013 or later.
const (
	Exchange2007    Version = "Exchange2007"
	Exchange2007SP1 Version = "Exchange2007_SP1"
	Exchange2010    Version = "Exchange2010"
	Exchange2010SP1 Version = "Exchange2010_SP1"
	Exchange2010SP2 Version = "Exchange2010_SP2"
	Exchange2013    Version = "Exchange2013"
	Exchange2013SP1 Version = "Exchange2013_SP1"
	Exchange2016    Version = "Exchange2016"
	DefaultVersion          = Exchange2010SP1
)
