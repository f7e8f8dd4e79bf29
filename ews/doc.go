// Package ews speaks Exchange Web Services' availability operations:
// GetUserAvailability (free/busy and meeting suggestions) and the
// GetServerTimeZones call clients make before it.
//
// # Asking a partner
//
// A [Client] posts GetUserAvailability to an EWS URL with the caller's
// *http.Client. Its [Auth] is [BasicAuth], [BearerAuth], or [FederatedAuth]:
// a delegation token from a [fedavail.TokenSource], sent the way Exchange
// sends it between organizations — to "<EWS URL>/WSSecurity", the encrypted
// token verbatim as the only child of wsse:Security, with WS-Addressing
// Action, To and ReplyTo headers.
//
// [Client.GetUserAvailability] validates an [AvailabilityRequest] before
// sending anything ([RequestError]), splits more than 100 mailboxes into
// concurrent batches, waits and retries when the server answers
// ErrorServerBusy ([ServerBusyError]), and returns one
// [MailboxAvailability] per mailbox in request order, with a [MailboxError]
// in place of the data of a mailbox that failed. HTTP 401 and 403 come back
// as a *fedavail.HTTPError matching fedavail.ErrUnauthorized and
// fedavail.ErrForbidden, distinct from SOAP faults (*fedavail.Fault).
//
// # Time
//
// Requests take time.Time values and a *time.Location. [TimeZoneFor] derives
// the legacy [SerializableTimeZone] Exchange wants from the location's rules
// for the window's year, and the window is written as wall-clock times in
// it. Times come back as absolute time.Time values: offsets in the answer
// are respected, times without one ([DateTime] with Floating set) are read
// in the request zone. Working hours keep the server's zone and get a
// *time.Location built from it ([SerializableTimeZone.Location]).
//
// Windows zone IDs map to IANA names and back with [IANAZone],
// [WindowsZoneID], [LoadWindowsLocation] and [WindowsZoneFor], from a table
// generated from CLDR (go generate ./ews/internal/winzones).
//
// # Wire types
//
// [GetUserAvailabilityRequest], [GetUserAvailabilityResponse],
// [GetServerTimeZones] and [GetServerTimeZonesResponse] mirror the EWS schema
// and are shared by the client and the availability server. What they emit
// validates against messages.xsd and types.xsd; when decoding, enumerations
// this package does not know (a [BusyType] newer than the requested schema
// version, say) are kept as strings.
package ews
