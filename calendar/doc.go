// Package calendar is the answering side's calendar source: where the
// availability server of package ews reads a mailbox's items and working
// hours, and the pure computations it answers with.
//
// # Sources
//
// A [Source] returns the items of a mailbox overlapping a time window, with
// recurring items expanded into occurrences, and the mailbox's working
// hours. Two implementations come with the package:
//
//   - [Memory], filled by the caller (from its own store, or in tests);
//   - [Folder], one iCalendar file per mailbox in a directory, parsed with
//     github.com/emersion/go-ical and expanded with
//     github.com/teambition/rrule-go, re-read when a file changes.
//
// Any other store (a database, a CalDAV server) implements the two methods
// and checks itself with package calendartest.
//
// # How iCalendar maps to free/busy
//
// A VEVENT is Busy, or Tentative with STATUS:TENTATIVE, or Free with
// TRANSP:TRANSPARENT; Outlook's X-MICROSOFT-CDO-BUSYSTATUS, when present,
// wins (it is the only way to say OOF or WorkingElsewhere). Cancelled items
// and occurrences are left out. CLASS:PRIVATE and CLASS:CONFIDENTIAL make an
// item private. RRULE, RDATE, EXDATE and RECURRENCE-ID overrides are
// honoured; recurrences are expanded on the wall clock of the item's zone,
// so a weekly 09:00 meeting in Europe/London stays at 09:00 local time
// across a DST change. TZIDs are IANA names, or else are defined by the
// file's VTIMEZONE (as Outlook writes Windows zone names). All-day items
// and times without a zone are in [Folder.Location].
//
// # Limits
//
// A window returns at most [DefaultMaxEvents] items (Exchange's limit of
// 10,000 per query); more is a [*TooManyEventsError], which the server
// answers with ErrorFreeBusyGenerationFailed for that mailbox only.
//
// # Computations
//
// [MergedFreeBusy] builds the merged free/busy string and [Suggest] rates
// meeting times across attendees. Both take items in any order and cost
// time linear in the items plus the intervals: they sweep difference arrays
// instead of comparing items with intervals.
package calendar
