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
// file's VTIMEZONE (as Outlook writes Windows zone names), or else Windows
// zone IDs mapped through CLDR's table. All-day items and times without a
// zone are in [Folder.Location].
//
// VFREEBUSY components (free/busy exports of Google Calendar and CalDAV
// servers) give one item per FREEBUSY period: FBTYPE BUSY and unknown types
// are Busy, BUSY-TENTATIVE Tentative, BUSY-UNAVAILABLE OOF; FREE periods are
// left out. A [Folder] file with neither VEVENT nor VFREEBUSY is logged.
//
// # Limits
//
// A window returns at most [DefaultMaxEvents] items (Exchange's
// MaximumResultSetSize of 1,000 per mailbox and query); more is a
// [*TooManyEventsError], which the server answers for that mailbox only.
//
// Recurring items cost what the window holds, not what the series' age
// is: a rule without COUNT is entered at the start of its last period
// (year, month, week, day or hour, counted in INTERVALs from DTSTART)
// before the window, with every default rrule-go would take from DTSTART
// written out, so the occurrences are those of the whole series. A COUNT
// rule is walked from its start, the only way to count exactly. Each window
// may expand at most 64 occurrences per item it may return before it is a
// *TooManyEventsError, and checks the request's context as it goes. Rules
// rrule-go cannot expand — years before 1 or after 9999, an hourly INTERVAL
// that never reaches its BYHOUR (rrule-go would loop forever), BYDAY
// ordinals past the month or year they count in (rrule-go indexes out of
// range) — are a [*ParseError], and so is a rule on which rrule-go still
// panics while expanding. A rule whose filters can never match again is
// walked to rrule-go's last year once and then remembered as exhausted.
//
// A VTIMEZONE is turned into rules once per distinct definition, shared by
// every file; its observances' rules must be yearly. Their transitions are
// expanded lazily, 16 years at a time from 1970 up to 2200, when a time in
// those years is first converted, each rule entered near the years asked
// for rather than walked from its 1601 start: a file's first parse costs
// the decades its items fall in, not 230 years.
//
// Single items are indexed by start, so a window looks only at the items
// near it; items longer than a week and the series, each bounded by its
// first start and (with UNTIL) last end, are checked one by one.
//
// # Computations
//
// [MergedFreeBusy] builds the merged free/busy string and [Suggest] rates
// meeting times across attendees. Both take items in any order and cost
// time linear in the items plus the intervals: they sweep difference arrays
// instead of comparing items with intervals.
package calendar
