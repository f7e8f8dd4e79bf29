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
// Action, To and ReplyTo headers — or [CrossForestAuth]: another forest's
// service account with Basic, as an availability address space asks
// (RequestTypeHeader CrossForest, no RequestServerVersion). The [Handler]
// refuses a RequestTypeHeader from an internal caller that is not such an
// account ([fedavail.Requester].ServiceAccount), and such an account's
// GetUserAvailability without it, with ErrorProxyRequestNotAllowed.
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
//     it returns is marked federated. The request is read in one pass,
//     limits checked as it goes, and the token is validated the moment
//     that pass reaches it, before anything after it is read, so that a
//     stranger's request costs the read of its body and the scan of its
//     header. Other paths call
//     [HandlerConfig.Authenticate] before the body is read. Every failure is
//     a bare HTTP 401; the reason goes to the log only. A federated request
//     carrying t:ExchangeImpersonation is refused with
//     ErrorProxyRequestNotAllowed.
//  2. Throttling. [HandlerConfig.Limiter] (for example a [PartnerLimiter])
//     is asked once per request, keyed by the requester's domain; a refusal
//     is an ErrorServerBusy fault with BackOffMilliseconds, which
//     [Client] waits out.
//  3. Validation. The body is read within [fedavail.Limits] (size, depth,
//     attribute size, namespace declarations, no DTD; a body over the
//     limit, or cut by the server's http.MaxBytesReader, is HTTP 413) and
//     decoded in one pass; whole-request
//     problems (too many mailboxes, a bad window, interval or view, an
//     unknown zone) are SOAP faults with Exchange's response codes.
//  4. Policy. Repeated mailboxes (same address, any case) collapse to one.
//     For each, [HandlerConfig.Policy] gives the access level; None
//     answers ErrorNoFreeBusyAccess for that mailbox alone, and nothing of
//     it is read or rated. A [CostLimiter] is then charged for the
//     calendars to read (twice with suggestions); a refusal is the
//     ErrorServerBusy fault.
//  5. Calendar. [HandlerConfig.Calendars] gives the events of the window
//     and the working hours; a missing mailbox is ErrorMailRecipientNotFound,
//     more items than the source returns ErrorResultSetTooBig, a store
//     that is temporarily unavailable (*fedavail.UnavailableError)
//     ErrorMailboxLogonFailed with BackOffMilliseconds when the store gave a
//     wait (Exchange's answer for a mailbox database it cannot reach), any
//     other failure ErrorFreeBusyGenerationFailed, again per mailbox.
//  6. View filtering. The requested view is downgraded to what the level
//     allows (AvailabilityOnly never sees Detailed) and the granted view is
//     reported in FreeBusyViewType; event times are wall-clock readings in
//     the request's zone with no offset; a private item shows to anyone but
//     its owner as IsPrivate alone (no ID, subject, location or other
//     flag); every view carries the working hours; WorkingElsewhere is
//     shown as Free to clients of schemas before Exchange2013. Suggestions are computed only when
//     asked, over the distinct mailboxes that could be read; with none, the
//     suggestions answer carries the first mailbox's error.
//  7. Size. Each request entry gets its answer (repeats share one), up to
//     [HandlerConfig.MaxAnswerBytes]: the mailboxes past it, or the
//     suggestions, are answered ErrorResultSetTooBig, so an answer's size
//     and the memory behind it are bounded whatever the request repeats.
//
// Logs carry domains, response codes and reasons, never tokens,
// credentials, subjects or locations.
//
// # Exchange's behaviour and fedavail's
//
// Each behaviour below was read in Exchange 2013's decompiled source
// (build 15.00.1497; IW = Microsoft.Exchange.InfoWorker.Common/InfoWorker/
// Common/Availability, SVC = Microsoft.Exchange.Services). The third column
// says where fedavail deliberately differs.
//
//	behaviour                                    Exchange source                                fedavail
//	window at most 62 whole days                 IW Configuration.cs (MaximumQueryIntervalDays), same; also for a suggestions-only
//	  (TimeSpan.Days > 62 is too big)              IW FreeBusyViewOptions.cs Validate             window, which Exchange leaves unbounded
//	interval longer than the window is           IW FreeBusyViewOptions.cs Validate             same
//	  ErrorInvalidMergedFreeBusyInterval, any view
//	no RequestedView: FreeBusy, interval 30      IW FreeBusyViewOptions.cs Init                 same
//	suggestions: window inside the free/busy     IW AvailabilityQuery.cs, SuggestionsViewOptions same, as ErrorInvalidRequest; the
//	  one, meetings of 30 to 1440 minutes          .cs Validate                                 midnight-only window is not required
//	request body at most 409,600 bytes           IW Configuration.cs (MaximumRequestStreamSize), same default (HTTP 413 past it)
//	                                               SVC AvailabilityCommandBase.cs
//	at most 100 mailboxes                        IW Configuration.cs (MaximumIdentityArraySize) same
//	more items than a query returns:             IW Configuration.cs (MaximumResultSetSize      same code; the limit is the calendar
//	  ErrorResultSetTooBig for that mailbox        1000), InternalCalendarQuery.cs              source's (calendar.TooManyEventsError)
//	event times: wall clock in the request's     IW CalendarEvent.cs (DateTimeKind.Unspecified) same; the client reads both forms
//	  zone, no offset, no Z
//	private item to a non-owner: IsPrivate and   IW CalendarEvent.cs CreateFromQueryData       same; the owner is an internal caller
//	  no other flag, no ID/subject/location                                                       asking about its own address
//	working hours in every view, MergedOnly too  IW CalendarQuery.cs InternalGetCalendarData    same
//	TimeZoneContext (unless UTC) over TimeZone   SVC Services/Core/GetUserAvailability.cs       same
//	WorkingElsewhere shown Free below            IW CalendarEvent.cs, MergedFreeBusy.cs         same, with Version.Compare in
//	  Exchange2012                                                                                 ExchangeVersionType.cs's order
//	Exchange2009 read as Exchange2010,           SVC Wcf/MessageEncoderWithXmlDeclaration.cs    same order (Version.Compare)
//	  Exchange2012 as Exchange2013
//	token of another offer, or a federated       SVC Services/Core/ServiceCommandBase.cs        same: ErrorAccessDenied SOAP fault
//	  request below Exchange2010: access denied    PreExecute
//	401 challenges on password paths             IIS (outside the source)                       Basic realm = the request's host;
//	                                                                                              none on /WSSecurity paths
//	repeated mailboxes                           IW AvailabilityQuery.cs (each entry queried)   each distinct mailbox read and rated
//	                                                                                              once; every entry still answered
//	answer size                                  no cap                                         MaxAnswerBytes; past it
//	                                                                                              ErrorResultSetTooBig
//	suggestions when no mailbox can be read      IW AvailabilityQuery.cs (unreadable attendees  nothing rated; the suggestions answer
//	                                               count as no data, still rated)              carries the first mailbox's error
//	work charged to throttling                   budgets (not in this source)                   CostLimiter: a unit per calendar read,
//	                                                                                              twice with suggestions
//	relationship's FreeBusyAccessEnabled         IW FreeBusyApplication.cs (asking side only)   also when answering (the sharing
//	                                                                                              package): off shares nothing, as its
//	                                                                                              name promises partners' admins
//	per-mailbox MessageXml (ExceptionType,       SVC InfoWorker/Availability/                   same; ExceptionServerName is the
//	  ExceptionCode, ExceptionMessage,             ResponseMessageBuilder.cs, IW                request's host, MessageText the
//	  ExceptionServerName)                         ErrorConstants.cs                            message without .NET's stack trace
//
// The asking side ([Client], and federation.Client above it):
//
//	RequestServerVersion with a token:           IW ProxyWebRequest.cs                          same (federation picks it from the
//	  Exchange2012 for servers of version 15+,                                                    partner's ExternalEwsVersion; unknown
//	  else Exchange2009                                                                           is Exchange2009); overridable
//	headers: RequestTypeHeader CrossForest,      IW ProxyWebRequest.cs, ProxyAuthenticator.cs,  same ([FederatedAuth]); TimeZoneContext
//	  wsa:MessageID, mustUnderstand Action and     FreeBusyApplication.cs CreateService;        whenever the zone has a Windows ID
//	  To, TimeZoneContext, X-AnchorMailbox         Microsoft.Exchange.Net SoapAuthenticator.cs,
//	  (first mailbox)                              WSSecurity/WSAddressing*Header.cs
//	SuggestionsViewOptions never sent            IW FreeBusyApplication.cs BeginProxyWebRequest same unless the caller asks for the
//	                                                                                              partner's own rating
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
