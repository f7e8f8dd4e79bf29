// Package ews speaks Exchange Web Services' availability operations:
// GetUserAvailability (free/busy and meeting suggestions) and the
// GetServerTimeZones call clients make before it.
//
// # Wire types
//
// [GetUserAvailabilityRequest], [GetUserAvailabilityResponse],
// [GetServerTimeZones] and [GetServerTimeZonesResponse] mirror the EWS schema
// and are shared by the client and the availability server. What they emit
// validates against messages.xsd and types.xsd; when decoding, enumerations
// this package does not know ([BusyType] WorkingElsewhere from an older
// schema's point of view, or anything newer) are kept as strings.
//
// # Time
//
// Times on the wire are [DateTime] values, which remember whether the server
// wrote an offset. [TimeZoneFor] derives the legacy [SerializableTimeZone]
// of a request from a Go *time.Location for a given year, and
// [SerializableTimeZone.Location] turns one received in working hours back
// into a *time.Location.
package ews
