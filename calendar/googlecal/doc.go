// Package googlecal is a [calendar.Source] reading Google Calendar (Google
// Workspace), on Google's own client, google.golang.org/api/calendar/v3
// (imported here as gcal), with golang.org/x/oauth2/google for the
// service account.
//
// # Access
//
// Workspace administrators grant calendar read access to a service account
// with domain-wide delegation (Admin console → Security → API controls →
// Domain-wide delegation, scope [Scope]). [Delegated] turns its key file
// into a [Config.Client] that impersonates each mailbox (the JWT's subject),
// caching one token source per mailbox. Tokens and the key are never
// logged.
//
// # The flow of one mailbox
//
//  1. Under [calendar.FreeBusyOnly] (an AvailabilityOnly requester, or a
//     view without details): freeBusy.query for the window. Only busy
//     periods leave Google — and the API gives no more: every period is
//     Busy (no tentative, out-of-office or working-elsewhere). A
//     "notFound" calendar error is [calendar.ErrMailboxNotFound].
//  2. Otherwise events.list on the mailbox's primary calendar with
//     singleEvents=true (Google expands recurrences and applies
//     exceptions), 2,500 items a page, until [Config.MaxEvents] (more is a
//     *calendar.TooManyEventsError). Each item maps so:
//     status cancelled, or declined by the owner (the self attendee):
//     left out; status tentative, or tentatively accepted or not yet
//     answered: Tentative; transparency transparent: Free; eventType
//     outOfOffice: OOF; eventType workingLocation: WorkingElsewhere, except
//     at the office (left out); visibility private or confidential: a
//     private item (the EWS server never shows its subject); all-day
//     dates: midnight in the calendar's time zone.
//  3. [Source.WorkingHours]: the API has no working hours, but it has the
//     user's time zone (settings.get timezone): [Config.Hours], or Monday
//     to Friday 08:00–17:00, in that zone. A 404 is ErrMailboxNotFound.
//
// # Bounded cost and errors
//
// Each answer must be application/json and is cut at
// [Config.MaxResponseBytes] (a larger or endless answer is a
// *fedavail.LimitError); each mailbox's work is bounded by
// [Config.Timeout], which also ends slow drips; a server handing out empty
// pages forever ends at MaxEvents. 429 and 503, and a server that cannot
// be reached or is too slow, are *fedavail.UnavailableError (with Google's
// Retry-After; the EWS server says "retry later" for that mailbox); an
// untrusted certificate is a plain error; every API error keeps its
// *googleapi.Error reachable; all fail the one mailbox only.
//
// # Tests
//
// Google cannot be reached from the tests or CI: they run against a local
// httptest server answering the documented JSON of freeBusy.query,
// events.list and settings.get (through [Config.Endpoint], the client's
// endpoint option) and a local token endpoint (the key file's token_uri).
//
// # Not supported
//
// Secondary calendars (only the primary one is read), working hours and
// working locations as Google's own settings (the API does not expose
// them), and per-user OAuth consent (use a service account).
package googlecal
