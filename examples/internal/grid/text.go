package grid

import (
	"fmt"
	"strings"

	"github.com/fedavail/fedavail/ews"
)

// Legend explains the cells' characters.
const Legend = "· free  ▒ tentative  █ busy  ▓ out of office  ~ working elsewhere  ? no data"

// symbols are the cells' characters, as Legend explains.
var symbols = map[ews.BusyType]string{
	ews.Free:             "·",
	ews.Tentative:        "▒",
	ews.Busy:             "█",
	ews.OOF:              "▓",
	ews.WorkingElsewhere: "~",
	ews.NoData:           "?",
}

// Symbol returns the character of a cell; "?" for a busy type it does not
// know.
func Symbol(b ews.BusyType) string {
	if s, ok := symbols[b]; ok {
		return s
	}
	return "?"
}

// nameWidth is the width of the attendee column.
const nameWidth = 22

// Text renders the grid for a terminal: a title, a header of days and
// hours, and a row per attendee followed by its items.
func (g *Grid) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", g.Title)
	fmt.Fprintf(&b, "%-*s", nameWidth, "")
	for d := range g.Days {
		fmt.Fprintf(&b, " %-*s", Hours, g.Start.AddDate(0, 0, d).Format("Mon 02"))
	}
	fmt.Fprintf(&b, "\n%-*s", nameWidth, "")
	for range g.Days {
		b.WriteString(" 8   12  16") // hours 08, 12 and 16 above their columns
	}
	b.WriteString("\n")
	for _, r := range g.Rows {
		fmt.Fprintf(&b, "%-*s", nameWidth, r.Attendee)
		if r.NoData {
			fmt.Fprintf(&b, " %s\n", r.Note)
			for _, it := range r.Items {
				fmt.Fprintf(&b, "%-*s   %s\n", nameWidth, "", it)
			}
			continue
		}
		for d := range g.Days {
			b.WriteString(" ")
			for _, c := range r.day(d) {
				b.WriteString(Symbol(c))
			}
		}
		fmt.Fprintf(&b, "  %s\n", r.Note)
		for _, it := range r.Items {
			fmt.Fprintf(&b, "%-*s   %s\n", nameWidth, "", it)
		}
	}
	return b.String()
}
