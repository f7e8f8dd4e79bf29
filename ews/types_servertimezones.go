package ews

import "encoding/xml"

// GetServerTimeZones is the body of a GetServerTimeZones request
// (m:GetServerTimeZones). Popular clients call it before every free/busy
// query to learn the server's definition of their zone.
type GetServerTimeZones struct {
	XMLName xml.Name `xml:"http://schemas.microsoft.com/exchange/services/2006/messages GetServerTimeZones"`
	// ReturnFullTimeZoneData asks for periods and transitions, not just names.
	ReturnFullTimeZoneData *bool `xml:"ReturnFullTimeZoneData,attr,omitempty"`
	// IDs, if not nil, limits the answer to these Windows zone IDs.
	IDs *TimeZoneIDs `xml:"Ids,omitempty"`
}

// TimeZoneIDs is t:NonEmptyArrayOfTimeZoneIdType.
type TimeZoneIDs struct {
	IDs []string `xml:"http://schemas.microsoft.com/exchange/services/2006/types Id"`
}

// GetServerTimeZonesResponse is the answer (m:GetServerTimeZonesResponse).
type GetServerTimeZonesResponse struct {
	XMLName  xml.Name                            `xml:"http://schemas.microsoft.com/exchange/services/2006/messages GetServerTimeZonesResponse"`
	Messages []GetServerTimeZonesResponseMessage `xml:"ResponseMessages>GetServerTimeZonesResponseMessage"`
}

// GetServerTimeZonesResponseMessage is one response message of the answer.
type GetServerTimeZonesResponseMessage struct {
	ResponseMessage
	// Definitions is required by the schema, even when empty.
	Definitions TimeZoneDefinitions `xml:"TimeZoneDefinitions"`
}

// TimeZoneDefinitions is t:ArrayOfTimeZoneDefinitionType.
type TimeZoneDefinitions struct {
	Definitions []TimeZoneDefinition `xml:"http://schemas.microsoft.com/exchange/services/2006/types TimeZoneDefinition"`
}

// TimeZoneDefinition is the Exchange 2010 form of a time zone
// (t:TimeZoneDefinitionType), used by GetServerTimeZones and by the
// TimeZoneContext header: periods (offsets), groups of yearly transitions
// between periods, and the transitions between groups over the years.
type TimeZoneDefinition struct {
	// ID is the Windows zone ID ("W. Europe Standard Time"); Name its display name.
	ID   string `xml:"Id,attr,omitempty"`
	Name string `xml:"Name,attr,omitempty"`
	// Periods is nil in answers without full data.
	Periods           *Periods           `xml:"Periods,omitempty"`
	TransitionsGroups *TransitionsGroups `xml:"TransitionsGroups,omitempty"`
	Transitions       *Transitions       `xml:"Transitions,omitempty"`
}

// Periods is t:NonEmptyArrayOfPeriodsType.
type Periods struct {
	Periods []Period `xml:"Period"`
}

// Period is one offset of a zone (t:PeriodType).
type Period struct {
	// Bias is an xs:duration to add to local time to get UTC ("-PT1H").
	Bias string `xml:"Bias,attr,omitempty"`
	Name string `xml:"Name,attr,omitempty"`
	// ID is referred to by transitions ("std", "dlt", "trule:…").
	ID string `xml:"Id,attr,omitempty"`
}

// TransitionsGroups is t:ArrayOfTransitionsGroupsType.
type TransitionsGroups struct {
	Groups []Transitions `xml:"TransitionsGroup"`
}

// Transitions is t:ArrayOfTransitionsType: a transitions group or the
// zone's list of transitions between groups.
type Transitions struct {
	ID    string       `xml:"Id,attr,omitempty"`
	Items []Transition `xml:",any"`
}

// Transition is one element of a transitions array; XMLName.Local says which
// kind (Transition, AbsoluteDateTransition, RecurringDayTransition or
// RecurringDateTransition) and only that kind's fields are set. Producers
// must set XMLName with the types namespace.
type Transition struct {
	XMLName xml.Name
	To      TransitionTarget `xml:"To"`
	// DateTime is set for AbsoluteDateTransition.
	DateTime *DateTime `xml:"DateTime,omitempty"`
	// TimeOffset (an xs:duration from local midnight) and Month are set for
	// the recurring kinds.
	TimeOffset string `xml:"TimeOffset,omitempty"`
	Month      int    `xml:"Month,omitempty"`
	// Day is set for RecurringDateTransition.
	Day int `xml:"Day,omitempty"`
	// DayOfWeek and Occurrence (1–4, or -1 for the last) are set for
	// RecurringDayTransition.
	DayOfWeek  string `xml:"DayOfWeek,omitempty"`
	Occurrence int    `xml:"Occurrence,omitempty"`
}

// TransitionTarget names the period or group a transition goes to.
type TransitionTarget struct {
	// Kind is "Period" or "Group".
	Kind  string `xml:"Kind,attr"`
	Value string `xml:",chardata"`
}
