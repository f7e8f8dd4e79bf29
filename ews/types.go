package ews

import (
	"encoding/xml"
	"strings"

	"github.com/fedavail/fedavail"
)

// This file holds the wire types of GetUserAvailability: Go mirrors of the
// EWS schema (messages.xsd, types.xsd) that encoding/xml marshals into
// schema-valid XML and unmarshals from what Exchange sends. They are shared
// by the client and the availability server, so they carry no behaviour
// beyond encoding.
//
// Elements that switch namespace name it in their tag; their children carry
// no namespace in the tag, so they are written in the parent's default
// namespace and read in any namespace.

// Namespaces of the EWS messages and types schemas.
const (
	MessagesNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
	TypesNS    = "http://schemas.microsoft.com/exchange/services/2006/types"
	// ErrorsNS holds the elements of fault details and of MessageXml.
	ErrorsNS = "http://schemas.microsoft.com/exchange/services/2006/errors"
)

// SOAP actions of the operations in this package.
const (
	ActionGetUserAvailability = MessagesNS + "/GetUserAvailability"
	ActionGetServerTimeZones  = MessagesNS + "/GetServerTimeZones"
)

// GetUserAvailabilityRequest is the body of a GetUserAvailability request
// (m:GetUserAvailabilityRequest).
type GetUserAvailabilityRequest struct {
	XMLName xml.Name `xml:"http://schemas.microsoft.com/exchange/services/2006/messages GetUserAvailabilityRequest"`
	// TimeZone is the zone of the times in the request without an offset and
	// of the times in the answer. Clients that send a TimeZoneContext header
	// instead leave it nil.
	TimeZone *SerializableTimeZone `xml:"http://schemas.microsoft.com/exchange/services/2006/types TimeZone,omitempty"`
	// MailboxData lists the mailboxes asked about, at most 100.
	MailboxData []MailboxData `xml:"MailboxDataArray>MailboxData"`
	// At least one of the two option sets must be present.
	FreeBusyViewOptions    *FreeBusyViewOptions    `xml:"http://schemas.microsoft.com/exchange/services/2006/types FreeBusyViewOptions,omitempty"`
	SuggestionsViewOptions *SuggestionsViewOptions `xml:"http://schemas.microsoft.com/exchange/services/2006/types SuggestionsViewOptions,omitempty"`
}

// MailboxData is one mailbox of a request (t:MailboxData).
type MailboxData struct {
	// XMLName puts the element in the types namespace inside the messages
	// namespace's MailboxDataArray; leave it zero.
	XMLName          xml.Name     `xml:"http://schemas.microsoft.com/exchange/services/2006/types MailboxData"`
	Email            EmailAddress `xml:"Email"`
	AttendeeType     AttendeeType `xml:"AttendeeType"`
	ExcludeConflicts *bool        `xml:"ExcludeConflicts,omitempty"`
}

// EmailAddress is a mailbox address (t:EmailAddress).
type EmailAddress struct {
	Name        string `xml:"Name,omitempty"`
	Address     string `xml:"Address"`
	RoutingType string `xml:"RoutingType,omitempty"`
}

// Duration is a time window (t:Duration).
type Duration struct {
	StartTime DateTime `xml:"StartTime"`
	EndTime   DateTime `xml:"EndTime"`
}

// FreeBusyViewOptions asks for free/busy views (t:FreeBusyViewOptions).
type FreeBusyViewOptions struct {
	TimeWindow Duration `xml:"TimeWindow"`
	// MergedFreeBusyIntervalInMinutes is 5–1440; the server default is 30.
	MergedFreeBusyIntervalInMinutes int      `xml:"MergedFreeBusyIntervalInMinutes,omitempty"`
	RequestedView                   ViewType `xml:"RequestedView,omitempty"`
}

// SuggestionsViewOptions asks for meeting-time suggestions
// (t:SuggestionsViewOptions). Zero integers are left out, letting the server
// apply its defaults.
type SuggestionsViewOptions struct {
	GoodThreshold                  int       `xml:"GoodThreshold,omitempty"`
	MaximumResultsByDay            int       `xml:"MaximumResultsByDay,omitempty"`
	MaximumNonWorkHourResultsByDay int       `xml:"MaximumNonWorkHourResultsByDay,omitempty"`
	MeetingDurationInMinutes       int       `xml:"MeetingDurationInMinutes,omitempty"`
	MinimumSuggestionQuality       Quality   `xml:"MinimumSuggestionQuality,omitempty"`
	DetailedSuggestionsWindow      Duration  `xml:"DetailedSuggestionsWindow"`
	CurrentMeetingTime             *DateTime `xml:"CurrentMeetingTime,omitempty"`
	GlobalObjectID                 string    `xml:"GlobalObjectId,omitempty"`
}

// GetUserAvailabilityResponse is the body of the answer
// (m:GetUserAvailabilityResponse).
type GetUserAvailabilityResponse struct {
	XMLName xml.Name `xml:"http://schemas.microsoft.com/exchange/services/2006/messages GetUserAvailabilityResponse"`
	// FreeBusyResponses has one entry per requested mailbox, in request order.
	FreeBusyResponses   []FreeBusyResponse   `xml:"FreeBusyResponseArray>FreeBusyResponse"`
	SuggestionsResponse *SuggestionsResponse `xml:"SuggestionsResponse,omitempty"`
}

// ResponseMessage is the outcome of one part of an answer
// (m:ResponseMessageType).
type ResponseMessage struct {
	ResponseClass      ResponseClass `xml:"ResponseClass,attr"`
	MessageText        string        `xml:"MessageText,omitempty"`
	ResponseCode       ResponseCode  `xml:"ResponseCode,omitempty"`
	DescriptiveLinkKey *int          `xml:"DescriptiveLinkKey,omitempty"`
	// MessageXML holds extra values such as BackOffMilliseconds, or the
	// exception behind a per-mailbox error.
	MessageXML *MessageXML `xml:"MessageXml,omitempty"`
}

// MessageXML is EWS's MessageXml element (xs:any content): Value elements
// such as BackOffMilliseconds, and the four elements in the errors
// namespace Exchange's availability service writes for a per-mailbox
// error (ResponseMessageBuilder.GetMessageXmlFromException).
type MessageXML struct {
	Values []fedavail.MessageValue `xml:"Value"`
	// ExceptionType is the .NET exception's type name, for example
	// "NoFreeBusyAccessException".
	ExceptionType string `xml:"http://schemas.microsoft.com/exchange/services/2006/errors ExceptionType,omitempty"`
	// ExceptionCode is its availability error number, for example "5037".
	ExceptionCode string `xml:"http://schemas.microsoft.com/exchange/services/2006/errors ExceptionCode,omitempty"`
	// ExceptionMessage is its message.
	ExceptionMessage string `xml:"http://schemas.microsoft.com/exchange/services/2006/errors ExceptionMessage,omitempty"`
	// ExceptionServerName names the server that failed.
	ExceptionServerName string `xml:"http://schemas.microsoft.com/exchange/services/2006/errors ExceptionServerName,omitempty"`
}

// Map returns the values by name, the exception's elements included under
// their element names, or nil if there are none.
func (m *MessageXML) Map() map[string]string {
	if m == nil {
		return nil
	}
	out := (&fedavail.MessageXML{Values: m.Values}).Map()
	for _, kv := range [...][2]string{
		{"ExceptionType", m.ExceptionType}, {"ExceptionCode", m.ExceptionCode},
		{"ExceptionMessage", m.ExceptionMessage}, {"ExceptionServerName", m.ExceptionServerName},
	} {
		if kv[1] == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[kv[0]] = strings.TrimSpace(kv[1])
	}
	return out
}

// FreeBusyResponse is the answer for one mailbox (m:FreeBusyResponse).
type FreeBusyResponse struct {
	ResponseMessage *ResponseMessage `xml:"ResponseMessage,omitempty"`
	FreeBusyView    *FreeBusyView    `xml:"FreeBusyView,omitempty"`
}

// FreeBusyView is a mailbox's free/busy information (t:FreeBusyView).
type FreeBusyView struct {
	// FreeBusyViewType is the view granted, which may be less than asked.
	FreeBusyViewType ViewType `xml:"http://schemas.microsoft.com/exchange/services/2006/types FreeBusyViewType"`
	// MergedFreeBusy has one digit per merged interval (see BusyTypeFromDigit).
	MergedFreeBusy string          `xml:"http://schemas.microsoft.com/exchange/services/2006/types MergedFreeBusy,omitempty"`
	CalendarEvents *CalendarEvents `xml:"http://schemas.microsoft.com/exchange/services/2006/types CalendarEventArray,omitempty"`
	WorkingHours   *WorkingHours   `xml:"http://schemas.microsoft.com/exchange/services/2006/types WorkingHours,omitempty"`
}

// CalendarEvents is t:CalendarEventArray. It is a struct rather than a
// slice so that an empty array can be told apart from an absent one.
type CalendarEvents struct {
	Events []CalendarEvent `xml:"CalendarEvent"`
}

// CalendarEvent is one calendar item on free/busy (t:CalendarEvent).
type CalendarEvent struct {
	StartTime DateTime `xml:"StartTime"`
	EndTime   DateTime `xml:"EndTime"`
	BusyType  BusyType `xml:"BusyType"`
	// Details are present in the Detailed views only.
	Details *CalendarEventDetails `xml:"CalendarEventDetails,omitempty"`
}

// CalendarEventDetails are the details of a calendar item
// (t:CalendarEventDetails). Private items carry only the flags.
type CalendarEventDetails struct {
	ID            string `xml:"ID,omitempty"`
	Subject       string `xml:"Subject,omitempty"`
	Location      string `xml:"Location,omitempty"`
	IsMeeting     bool   `xml:"IsMeeting"`
	IsRecurring   bool   `xml:"IsRecurring"`
	IsException   bool   `xml:"IsException"`
	IsReminderSet bool   `xml:"IsReminderSet"`
	IsPrivate     bool   `xml:"IsPrivate"`
}

// WorkingHours is a mailbox's working time (t:WorkingHours).
type WorkingHours struct {
	// TimeZone is the zone the working periods are in.
	TimeZone       SerializableTimeZone `xml:"TimeZone"`
	WorkingPeriods []WorkingPeriod      `xml:"WorkingPeriodArray>WorkingPeriod"`
}

// WorkingPeriod is a span of working time on some days (t:WorkingPeriod).
type WorkingPeriod struct {
	// DayOfWeek is a space-separated list of day names
	// ("Monday Tuesday Wednesday Thursday Friday"); see ParseDays.
	DayOfWeek string `xml:"DayOfWeek"`
	// StartTimeInMinutes and EndTimeInMinutes count from local midnight.
	StartTimeInMinutes int `xml:"StartTimeInMinutes"`
	EndTimeInMinutes   int `xml:"EndTimeInMinutes"`
}

// SuggestionsResponse is the suggestions part of an answer
// (m:SuggestionsResponse).
type SuggestionsResponse struct {
	ResponseMessage *ResponseMessage      `xml:"ResponseMessage,omitempty"`
	Days            []SuggestionDayResult `xml:"SuggestionDayResultArray>SuggestionDayResult"`
}

// SuggestionDayResult is the suggestions of one day (t:SuggestionDayResult).
type SuggestionDayResult struct {
	// XMLName puts the element in the types namespace; leave it zero.
	XMLName     xml.Name     `xml:"http://schemas.microsoft.com/exchange/services/2006/types SuggestionDayResult"`
	Date        DateTime     `xml:"Date"`
	DayQuality  Quality      `xml:"DayQuality"`
	Suggestions []Suggestion `xml:"SuggestionArray>Suggestion"`
}

// Suggestion is one suggested meeting time (t:Suggestion).
type Suggestion struct {
	MeetingTime       DateTime `xml:"MeetingTime"`
	IsWorkTime        bool     `xml:"IsWorkTime"`
	SuggestionQuality Quality  `xml:"SuggestionQuality"`
	// Conflicts has one entry per requested mailbox, in request order.
	Conflicts *AttendeeConflicts `xml:"AttendeeConflictDataArray,omitempty"`
}
