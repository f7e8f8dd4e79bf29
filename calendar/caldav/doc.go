// Package caldav is a [calendar.Source] reading mailboxes' calendars from a
// CalDAV server (RFC 4791): Nextcloud, SOGo, Radicale, Apple Calendar
// Server, Fastmail, Zimbra. Discovery and calendar-query go through
// github.com/emersion/go-webdav (imported here as davcal); the reports
// go-webdav lacks (free-busy-query, ETag listings, multiget returning the
// raw text) are sent by this package.
//
// # The flow of one mailbox
//
//  1. Its calendar home: from [Config.Mailboxes], else the [Config.Home]
//     template, else the calendar-home-set of the [Config.Principal]
//     template or of the current-user-principal. A 404 anywhere is
//     [calendar.ErrMailboxNotFound] (the EWS server answers
//     ErrorMailRecipientNotFound), and so is a home with no calendar.
//     Homes, and mailboxes found missing, are remembered for
//     [Config.DiscoveryTTL] (a new mailbox shows up within that time).
//  2. One PROPFIND (Depth 1) lists the home's calendar collections with
//     their schedule-calendar-transp (RFC 6638) and getctag (or sync-token).
//     Collections holding no VEVENTs are skipped; transparent ones do not
//     count unless [Config.IncludeCalendar] says otherwise.
//  3. When the caller shows free/busy only ([calendar.FreeBusyOnly]: the
//     requester has AvailabilityOnly access, or asked for a view without
//     details), each collection gets a CALDAV:free-busy-query REPORT: only
//     busy periods leave the server, never a subject. FBTYPE BUSY is Busy,
//     BUSY-TENTATIVE Tentative, BUSY-UNAVAILABLE OOF. A server answering
//     that report with anything but text/calendar (Radicale 3.1 sends an
//     empty multistatus) is remembered as lacking it, and read as in 4.
//  4. Otherwise each collection's objects come from the cache when its
//     getctag did not change. When it did, a sync-collection report
//     (RFC 6578) from the cached sync-token names what changed and what went
//     (where the server offers none or refuses the token, a PROPFIND lists
//     every object's ETag), and a calendar-multiget fetches only the new
//     and changed objects.
//     A collection larger than [Config.MaxCacheBytes] is instead read window by
//     window with a calendar-query time-range REPORT.
//  5. Each object is parsed by the calendar package's iCalendar code (the
//     same as [calendar.Folder]'s: recurrences expanded on the wall clock of
//     their zone, TRANSP, STATUS, CLASS and X-MICROSOFT-CDO-BUSYSTATUS
//     honoured). Server-side expand is not asked for: an expanded answer
//     no longer says which items recur nor gives each occurrence its own
//     ID, both of which EWS details report (IsRecurring, the occurrence's
//     ID), and the local expansion is the one the rest of fedavail is
//     tested against. An object that
//     does not parse is skipped with a warning, so one broken item does not
//     hide a mailbox.
//
// [Source.WorkingHours] returns [Config.Hours] for every mailbox that exists:
// CalDAV has no common place for working hours.
//
// # Authentication
//
// [Config.HTTPClient] is the caller's: proxies, TLS roots and client
// certificates are set there. [Config.Auth] adds a header per request and
// per mailbox: [BasicAuth] and [BearerToken] for one service account, or
// the caller's own function for per-mailbox credentials.
//
// # Bounded cost and errors
//
// Every answer is read through a cap ([Config.MaxResponseBytes]: a larger
// or endless answer is a *fedavail.LimitError), XML answers are refused
// with fedavail.ErrDTD for a document type declaration and with
// *fedavail.LimitError for deep nesting before they are parsed, and each
// mailbox's work is bounded by [Config.Timeout], which also ends slow
// drips. A server that is down, unreachable or too slow to answer, or
// answers 429 or 503, is a *fedavail.UnavailableError (with the
// Retry-After it sent): the EWS server answers ErrorMailboxLogonFailed,
// "retry later", for that mailbox. Other non-2xx answers are
// *fedavail.HTTPError (401 and 403 match fedavail.ErrUnauthorized and
// ErrForbidden), a
// media type the request cannot have produced is a *ContentTypeError,
// malformed XML a *fedavail.XMLError, redirect loops end after the
// http.Client's limit, a certificate the client does not trust is the
// TLS error, and a home listing more than [MaxCalendars] calendars is a
// *fedavail.LimitError. All of these fail the one mailbox (the EWS server
// answers ErrorFreeBusyGenerationFailed, or "retry later" as above) and
// the others are unaffected. Hrefs in answers contribute only their path,
// so a server cannot point this client at another host.
//
// # What is never logged
//
// Subjects, locations, calendar data and credentials. Warnings name the
// server, the collection or object path and the error.
//
// # Not supported
//
// Working hours from the server (RFC 7953 VAVAILABILITY), server-side
// expand, scheduling inboxes and DNS SRV discovery (give the URL).
package caldav
