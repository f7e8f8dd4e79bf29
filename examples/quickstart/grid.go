package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/sharing"
)

// The grid shows working days, one column per hour from firstHour.
const (
	days      = 5
	firstHour = 8
	hours     = 10 // 08:00–18:00
)

// grid is one query's answer laid out as a week: a row per attendee.
type grid struct {
	title  string
	monday time.Time
	rows   []row
}

// row is one attendee's week.
type row struct {
	attendee string
	// note says what the partner granted, or why there is nothing.
	note string
	// cells are days*hours busy types; "" where there is no data.
	cells []ews.BusyType
	// items are the attendee's items with the details the partner shared.
	items []string
}

// symbols are the cells' characters, as the legend explains.
var symbols = map[ews.BusyType]string{
	ews.Free:             "·",
	ews.Tentative:        "▒",
	ews.Busy:             "█",
	ews.OOF:              "▓",
	ews.WorkingElsewhere: "~",
	ews.NoData:           "?",
}

const legend = "· free  ▒ tentative  █ busy  ▓ out of office  ~ working elsewhere  ? no data"

func symbol(b ews.BusyType) string {
	if s, ok := symbols[b]; ok {
		return s
	}
	return "?"
}

// newGrid lays res out from monday. Slots come from the merged view (one per
// hour, as asked); items only where the partner shared details.
func newGrid(title string, monday time.Time, res *federation.Result) *grid {
	g := &grid{title: title, monday: monday}
	for _, a := range res.Attendees {
		r := row{attendee: a.Address, cells: make([]ews.BusyType, days*hours)}
		if a.Err != nil {
			r.note = explain(a.Err)
			g.rows = append(g.rows, r)
			continue
		}
		slots := map[int64]ews.BusyType{}
		for _, s := range a.Merged {
			slots[s.Start.Unix()] = s.BusyType
		}
		for d := range days {
			for h := range hours {
				t := at(monday, d, fmt.Sprintf("%02d:00", firstHour+h))
				b, ok := slots[t.Unix()]
				if !ok {
					b = ews.NoData
				}
				r.cells[d*hours+h] = b
			}
		}
		detailed := false
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
			loc := monday.Location()
			r.items = append(r.items, fmt.Sprintf("%s %s–%s %-16s %s",
				e.Start.In(loc).Format("Mon"), e.Start.In(loc).Format("15:04"), e.End.In(loc).Format("15:04"), e.BusyType, what))
		}
		r.note = fmt.Sprintf("%s view", a.View)
		if !detailed {
			r.note += ", times only"
		}
		g.rows = append(g.rows, r)
	}
	return g
}

// explain says in plain words why an attendee has no data.
func explain(err error) string {
	var ae *federation.AttendeeError
	switch {
	case errors.Is(err, sharing.ErrNoRelationship):
		return "no data: no organization relationship with " + fedDomain(err)
	case errors.Is(err, federation.ErrNotFederated):
		return "no data: " + fedDomain(err) + " is not federated"
	case errors.Is(err, federation.ErrRefused):
		return "no data: the partner refused"
	case errors.As(err, &ae):
		return fmt.Sprintf("no data: %s failed: %v", ae.Step, ae.Err)
	}
	return "no data: " + err.Error()
}

func fedDomain(err error) string {
	var ae *federation.AttendeeError
	if errors.As(err, &ae) {
		return ae.Domain
	}
	return "the partner"
}

// text renders the grid for a terminal.
func (g *grid) text() string {
	var b strings.Builder
	const name = 22
	fmt.Fprintf(&b, "%s\n", g.title)
	fmt.Fprintf(&b, "%-*s", name, "")
	for d := range days {
		fmt.Fprintf(&b, " %-*s", hours, g.monday.AddDate(0, 0, d).Format("Mon 02"))
	}
	fmt.Fprintf(&b, "\n%-*s", name, "")
	for range days {
		b.WriteString(" 8   12  16") // hours 08, 12 and 16 above their columns
	}
	b.WriteString("\n")
	for _, r := range g.rows {
		fmt.Fprintf(&b, "%-*s", name, r.attendee)
		if r.note != "" && strings.HasPrefix(r.note, "no data") {
			fmt.Fprintf(&b, " %s\n", r.note)
			continue
		}
		for d := range days {
			b.WriteString(" ")
			for h := range hours {
				b.WriteString(symbol(r.cells[d*hours+h]))
			}
		}
		fmt.Fprintf(&b, "  %s\n", r.note)
		for _, it := range r.items {
			fmt.Fprintf(&b, "%-*s   %s\n", name, "", it)
		}
	}
	return b.String()
}
