package federation

import (
	"time"

	"github.com/fedavail/fedavail/ews"
)

// Query asks when some people are free. From and Attendees are required, and
// the window must be at most 62 whole days (Exchange's limit).
type Query struct {
	// From is the SMTP address of the user asking, in one of the
	// organization's federated domains: tokens are issued on their behalf
	// and partners decide what they may see by its domain.
	From string
	// Attendees are the SMTP addresses asked about; results keep this order.
	Attendees []string
	// Start and End are the window.
	Start, End time.Time
	// Location is the zone partners read the window, working hours and
	// merged slots in. Nil means Start's location.
	Location *time.Location
	// View is the view wanted; zero means ews.ViewDetailedMerged. Each
	// partner answers with at most what its relationship allows and says
	// which view it gave.
	View ews.ViewType
	// MergedInterval is the length of a merged free/busy slot, a whole
	// number of minutes from 5 to 1440; zero means 30 minutes.
	MergedInterval time.Duration
	// Suggestions, when set, also asks each partner to suggest meeting
	// times (GetUserAvailability's SuggestionsViewOptions), answered in
	// Result.Suggestions. A partner rates times for its own attendees
	// only, those of the query it was asked about, so use this when they
	// are all in one organization, or to see each organization's own
	// view; Result.Suggest rates times for every attendee together. Its
	// window (the query's, unless it sets one) must be at least 24 hours;
	// options a partner would refuse fail the partner's attendees with an
	// *ews.InputError (errors.Is ews.ErrInvalidInput).
	Suggestions *ews.SuggestionOptions
}

// Result is the answer to a [Query].
type Result struct {
	// Attendees has one entry per Query.Attendees, in the same order.
	Attendees []Attendee
	// Suggestions are the partners' own meeting suggestions, when
	// Query.Suggestions asked for them: one per partner EWS endpoint that
	// answered, in the order of their first attendees.
	Suggestions []PartnerSuggestions
}

// PartnerSuggestions are the meeting times one partner suggests for its
// own attendees of a [Query].
type PartnerSuggestions struct {
	// Domain is the partner's domain; EWSURL the endpoint that answered.
	Domain, EWSURL string
	// Attendees are the addresses the partner rated, in the order of
	// each suggestion's Conflicts.
	Attendees []string
	// Days are the suggestions, by day.
	Days []ews.SuggestionDay
	// Err is why there are none: the partner's error for the suggestions
	// (an *ews.ResponseError; its free/busy answers still count), or more
	// attendees at one endpoint than a partner rates at once
	// (ews.MaxMailboxesPerRequest).
	Err error
}

// Attendee is the availability of one attendee, or why there is none.
type Attendee struct {
	// Address is the address asked about.
	Address string
	// Err is an *AttendeeError when nothing came back for the attendee.
	Err error
	// Warning is the partner's warning (an *ews.MailboxError of class
	// Warning) when it answered with data and a warning.
	Warning error
	// Partner is how the attendee's organization was reached, as far as
	// it got; nil when no relationship was found.
	Partner *Partner

	// View is the view the partner granted: what its organization
	// relationship lets this organization see.
	View ews.ViewType
	// Merged are the merged free/busy slots, for merged views.
	Merged []ews.Slot
	// Events are the calendar items, for detailed views; subject and
	// location only where the partner shares them.
	Events []ews.Event
	// WorkingHours are the attendee's working hours, if the partner sent them.
	WorkingHours *ews.WorkingTime
}

// Partner describes how a partner organization was reached.
type Partner struct {
	// Domain is the attendee's domain.
	Domain string
	// Relationship is the name of the organization relationship used.
	Relationship string
	// AddressSpace is the ForestName of the availability address space
	// used instead, when there was no usable relationship.
	AddressSpace string
	// ApplicationURI is the partner's application URI: the audience of the
	// delegation tokens sent to it.
	ApplicationURI string
	// AutodiscoverURL is the Autodiscover endpoint asked for the EWS URL;
	// empty when the relationship's TargetSharingEpr named it.
	AutodiscoverURL string
	// EWSURL is the partner's EWS endpoint for the attendee.
	EWSURL string
}
