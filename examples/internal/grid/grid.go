// Package grid lays the answer of federation.Client.Availability out as a
// week: a row per attendee, a column per working hour, and below a row the
// items the partner shared details of. It renders for a terminal (Text) and
// as an HTML page (WriteHTML). The example programs quickstart and freebusy
// share it, so an administrator sees the same picture in both.
package grid

import (
	"fmt"
	"time"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
)

// The grid shows one column per hour from FirstHour, Hours columns a day.
// Ask with a merged interval of one hour (Interval) so each slot is a cell.
const (
	FirstHour = 8
	Hours     = 10 // 08:00–18:00
	Interval  = time.Hour
)

// Grid is one query's answer laid out over days from Start.
type Grid struct {
	// Title heads the grid.
	Title string
	// Start is midnight of the first day, in the zone the grid is read in.
	Start time.Time
	// Days is the number of days shown.
	Days int
	// Rows has one entry per attendee, in the query's order.
	Rows []Row
}

// Row is one attendee's days.
type Row struct {
	// Attendee is the address asked about.
	Attendee string
	// NoData is set when nothing came back; Note then says why.
	NoData bool
	// Note says what view the partner granted, or why there is nothing.
	Note string
	// Cells are Days*Hours busy types, ews.NoData where the partner sent
	// no slot.
	Cells []ews.BusyType
	// Items are the attendee's items with the details the partner shared,
	// one line each.
	Items []string
}

// New lays res out over days days from start (midnight, in the zone to
// show). Cells come from the merged view, one slot per hour; items only
// where the partner shared details.
func New(title string, start time.Time, days int, res *federation.Result) *Grid {
	g := &Grid{Title: title, Start: start, Days: days}
	for _, a := range res.Attendees {
		g.Rows = append(g.Rows, g.row(a))
	}
	return g
}

func (g *Grid) row(a federation.Attendee) Row {
	r := Row{Attendee: a.Address, Cells: make([]ews.BusyType, g.Days*Hours)}
	if a.Err != nil {
		r.NoData, r.Note = true, Explain(a.Err)
		r.Items = Tried(a.Err)
		return r
	}
	slots := map[int64]ews.BusyType{}
	for _, s := range a.Merged {
		slots[s.Start.Unix()] = s.BusyType
	}
	for d := range g.Days {
		day := g.Start.AddDate(0, 0, d)
		for h := range Hours {
			t := time.Date(day.Year(), day.Month(), day.Day(), FirstHour+h, 0, 0, 0, day.Location())
			b, ok := slots[t.Unix()]
			if !ok {
				b = ews.NoData
			}
			r.Cells[d*Hours+h] = b
		}
	}
	detailed := false
	loc := g.Start.Location()
	for _, e := range a.Events {
		if e.Details == nil {
			continue
		}
		detailed = true
		what := e.Details.Subject
		switch {
		case e.Details.IsPrivate:
			what = "(private)"
		case e.Details.Location != "":
			what += " (" + e.Details.Location + ")"
		}
		r.Items = append(r.Items, fmt.Sprintf("%s %s–%s %-16s %s",
			e.Start.In(loc).Format("Mon"), e.Start.In(loc).Format("15:04"), e.End.In(loc).Format("15:04"), e.BusyType, what))
	}
	r.Note = fmt.Sprintf("%s view", a.View)
	if !detailed {
		r.Note += ", times only"
	}
	return r
}

// day returns the cells of day d.
func (r Row) day(d int) []ews.BusyType { return r.Cells[d*Hours : (d+1)*Hours] }
