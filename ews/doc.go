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
// sending anything ([InputError]), splits more than 100 mailboxes into
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
// generated from CLDR (go generate ./internal/winzones).
//
// # Wire types
//
// [GetUserAvailabilityRequest], [GetUserAvailabilityResponse],
// [GetServerTimeZones] and [GetServerTimeZonesResponse] mirror the EWS schema
// and are shared by the client and the availability server. What they emit
// validates against messages.xsd and types.xsd; when decoding, enumerations
// this package does not know (a [BusyType] newer than the requested schema
// version, say) are kept as strings.
//
// # Server
//
// [NewHandler] returns the answering side, an http.Handler for
// GetUserAvailability and GetServerTimeZones. A request goes through:
//
//  1. Authentication. Paths containing "/WSSecurity" ([IsFederatedPath])
//     take a delegation token: the xenc:EncryptedData in wsse:Security goes
//     to [HandlerConfig.Tokens] for the free/busy offer, and the requester
//     it returns is marked federated. Other paths call
//     [HandlerConfig.Authenticate] before the body is read. Every failure is
//     a bare HTTP 401; the reason goes to the log only. A federated request
//     carrying t:ExchangeImpersonation is refused with
//     ErrorProxyRequestNotAllowed.
//  2. Throttling. [HandlerConfig.Limiter] (for example a [PartnerLimiter])
//     is asked once per request, keyed by the requester's domain; a refusal
//     is an ErrorServerBusy fault with BackOffMilliseconds, which
//     [Client] waits out.
//  3. Validation. The body is read within [fedavail.Limits] (size, depth,
//     attribute size, no DTD) and decoded in one pass; whole-request
//     problems (too many mailboxes, a bad window, interval or view, an
//     unknown zone) are SOAP faults with Exchange's response codes.
//  4. Policy. For each mailbox, [HandlerConfig.Policy] gives the access
//     level; None answers ErrorNoFreeBusyAccess for that mailbox alone.
//  5. Calendar. [HandlerConfig.Calendars] gives the events of the window
//     and the working hours; a missing mailbox is ErrorMailRecipientNotFound,
//     a store that is temporarily unavailable (*fedavail.UnavailableError)
//     ErrorMailboxLogonFailed with BackOffMilliseconds when the store gave a
//     wait (Exchange's answer for a mailbox database it cannot reach), any
//     other failure ErrorFreeBusyGenerationFailed, again per mailbox.
//  6. View filtering. The requested view is downgraded to what the level
//     allows (AvailabilityOnly never sees Detailed) and the granted view is
//     reported in FreeBusyViewType; private items never carry subject,
//     location or ID; WorkingElsewhere is shown as Free to clients of
//     schemas before Exchange2013. Suggestions are computed only when asked.
//
// Logs carry domains, response codes and reasons, never tokens,
// credentials, subjects or locations.
package ews

// The package's files, by role:
//
//   - Wire types, shared by both sides: types.go (GetUserAvailability's
//     request and answer), enums.go, codes.go, conflicts.go, datetime.go,
//     timezone.go and tzif.go (SerializableTimeZone and the *time.Location
//     built from it), winzones.go (Windows zone IDs), and
//     types_servertimezones.go (GetServerTimeZones).
//   - Client: client.go, auth.go, request.go (AvailabilityRequest and its
//     checks), availability.go (GetUserAvailability and batching),
//     result.go (answers turned into results), errors.go.
//   - Client XML: response_scan.go (the fast path on internal/xmlscan),
//     response_decode.go and response_decode_suggestions.go (the
//     hand-written decoders), response_reader.go and response_tokens.go
//     (the element walker they use, over xmlscan or encoding/xml tokens).
//   - Server: server.go (NewHandler and ServeHTTP), server_limit.go,
//     server_availability.go, server_timezones.go.
//   - Server XML: server_body.go (reading the envelope), server_decode.go
//     (the GetUserAvailabilityRequest body), server_write.go (answers).
//
// Both sides read XML with internal/xmlscan's Reader, which refuses what
// encoding/xml refuses. The hand-written decoders are held to encoding/xml
// by differential tests and fuzz targets: server_decode_test.go
// (FuzzServerDecodeRequest), response_unmarshal_test.go and fuzz_test.go
// (FuzzDecodeResponse).
