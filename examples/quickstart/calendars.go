package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/fedavail/fedavail/calendar"
)

// item is one calendar entry of the demo week: day 0 is Monday.
type item struct {
	day          int
	start, end   string // "09:00"
	busy         calendar.BusyType
	subject, loc string
	private      bool
}

// week is each demo mailbox's week. Recurring meetings are in series, as
// iCalendar, so they go through the same expansion a real calendar does.
var week = map[string][]item{
	"dana@fabrikam.test": {
		{day: 1, start: "13:00", end: "14:00", busy: calendar.Busy, subject: "Doctor's appointment", private: true},
		{day: 2, start: "14:00", end: "16:00", busy: calendar.Busy, subject: "Quarterly review with Contoso", loc: "Board room"},
		{day: 3, start: "10:00", end: "12:00", busy: calendar.Tentative, subject: "Architecture brown-bag", loc: "Cafeteria"},
		{day: 4, start: "13:00", end: "17:00", busy: calendar.WorkingElsewhere, subject: "Working from home"},
	},
	"erin@fabrikam.test": {
		{day: 0, start: "10:00", end: "11:00", busy: calendar.Busy, subject: "1:1 with manager"},
		{day: 1, start: "15:00", end: "16:30", busy: calendar.Tentative, subject: "Interview panel"},
		{day: 2, start: "08:00", end: "18:00", busy: calendar.OOF, subject: "Conference in Berlin"},
		{day: 3, start: "08:00", end: "18:00", busy: calendar.OOF, subject: "Conference in Berlin"},
	},
	"bob@contoso.test": {
		{day: 1, start: "08:00", end: "18:00", busy: calendar.OOF, subject: "Vacation"},
		{day: 3, start: "14:00", end: "15:00", busy: calendar.Busy, subject: "Dentist", private: true},
		{day: 4, start: "11:00", end: "12:30", busy: calendar.Busy, subject: "Budget planning", loc: "Room 4"},
	},
	"carol@contoso.test": {
		{day: 2, start: "11:00", end: "12:30", busy: calendar.Busy, subject: "Customer call: Fabrikam"},
		{day: 4, start: "08:00", end: "12:00", busy: calendar.WorkingElsewhere, subject: "At the customer's site"},
	},
}

// series are the recurring meetings, as an Outlook-style iCalendar file
// would hold them.
var series = map[string]string{
	"dana@fabrikam.test": vevent("standup", "Daily stand-up", "Teams", "090000", "PT30M", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
	"bob@contoso.test":   vevent("team", "Team meeting", "Room 2", "100000", "PT1H", "FREQ=WEEKLY;BYDAY=MO,WE"),
}

// vevent returns a VCALENDAR with one recurring VEVENT; the date part of
// DTSTART is filled in by fillCalendars.
func vevent(uid, summary, location, at, dur, rrule string) string {
	return strings.Join([]string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fedavail//quickstart//EN",
		"BEGIN:VEVENT", "UID:" + uid, "DTSTART;TZID=%s:%s" + "T" + at, "DURATION:" + dur,
		"RRULE:" + rrule, "SUMMARY:" + summary, "LOCATION:" + location, "END:VEVENT",
		"END:VCALENDAR", "",
	}, "\r\n")
}

// fillCalendars puts the demo week starting on monday into the
// organizations' calendar sources, with Monday–Friday 08:00–17:00 working
// hours in monday's zone.
func fillCalendars(monday time.Time, orgs ...*org) error {
	loc := monday.Location()
	for _, o := range orgs {
		for mailbox, items := range week {
			if !strings.HasSuffix(mailbox, "@"+o.domain) {
				continue
			}
			o.calendars.SetWorkingHours(mailbox, calendar.DefaultWorkingHours(loc))
			for _, it := range items {
				e := calendar.Event{
					Start: at(monday, it.day, it.start), End: at(monday, it.day, it.end),
					BusyType: it.busy, Subject: it.subject, Location: it.loc, IsPrivate: it.private,
				}
				o.calendars.Add(mailbox, e)
			}
			if ics, ok := series[mailbox]; ok {
				data := fmt.Sprintf(ics, loc.String(), monday.Format("20060102"))
				events, err := calendar.ParseICS([]byte(data), loc, monday, monday.AddDate(0, 0, 7))
				if err != nil {
					return fmt.Errorf("%s: %w", mailbox, err)
				}
				o.calendars.Add(mailbox, events...)
			}
		}
	}
	return nil
}

// at returns the time hh:mm on the day-th day after monday.
func at(monday time.Time, day int, hhmm string) time.Time {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		panic(err) // the table above is fixed
	}
	d := monday.AddDate(0, 0, day)
	return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, d.Location())
}
