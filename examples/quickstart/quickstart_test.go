package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/examples/internal/grid"
	"github.com/fedavail/fedavail/internal/golden"
)

// TestRun runs the whole demo and checks that each access level shows what
// it should: subjects for the mailbox that opted in to LimitedDetails,
// times only for the others, never the private item's subject.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	htmlPath := filepath.Join(t.TempDir(), "grid.html")
	var out bytes.Buffer
	if err := run(ctx, []string{"-html", htmlPath, "-week", "2025-03-26"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	page, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	// The grids and the page are pinned as a whole: they are what a person
	// reads, and the renderer is shared with examples/freebusy.
	golden.Check(t, "grid.txt", []byte(gridSection(t, text)))
	golden.Check(t, "grid.html", page)

	// Both organizations proved their domains and registered.
	for _, want := range []string{
		"found FYDIBOHF25SPDLT.contoso.test's proof in the TXT records of contoso.test",
		"found FYDIBOHF25SPDLT.fabrikam.test's proof in the TXT records of fabrikam.test",
		"federation: delegation token issued",
		"The same grid as a page: " + htmlPath,
		// dana's stand-up is at 09:00 and erin's 1:1 at 10:00.
		"first times all of them are free (1 hour, in working hours): Mon 08:00, Mon 11:00,",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	tests := []struct {
		name string
		// row is the start of the grid row; cells are its symbols for
		// the five days.
		row, cells string
	}{
		// Daily stand-up 09:00, private item Tue 13:00, review Wed 14–16,
		// tentative Thu 10–12, working from home Fri 13–17 (which the
		// merged string shows as free, as Exchange's does: WorkingElsewhere
		// weighs as Free there).
		{"LimitedDetails opted-in", "dana@fabrikam.test", "·█········ ·█···█···· ·█····██·· ·█▒▒······ ·█········"},
		{"LimitedDetails not opted-in", "erin@fabrikam.test", "··█······· ·······▒▒· ▓▓▓▓▓▓▓▓▓▓ ▓▓▓▓▓▓▓▓▓▓ ··········"},
		{"AvailabilityOnly with recurring meeting", "bob@contoso.test", "··█······· ▓▓▓▓▓▓▓▓▓▓ ··█······· ······█··· ···██·····"},
		{"AvailabilityOnly", "carol@contoso.test", "·········· ·········· ···██····· ·········· ··········"},
		{"no relationship", "frank@northwind.test", "no data: no organization relationship with northwind.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := gridLine(text, tt.row)
			if line == "" {
				t.Fatalf("no grid row for %s in\n%s", tt.row, text)
			}
			if !strings.Contains(line, tt.cells) {
				t.Errorf("row %q\nwant cells %q", line, tt.cells)
			}
		})
	}

	shown := []string{"Quarterly review with Contoso (Board room)", "Daily stand-up (Teams)", "Architecture brown-bag", "(private)"}
	hidden := []string{
		"Doctor's appointment",                     // dana's private item
		"Conference in Berlin", "1:1 with manager", // erin kept the default, AvailabilityOnly
		"Team meeting", "Vacation", "Dentist", "Budget planning", // Contoso shows Fabrikam times only
		"Customer call",
	}
	for _, s := range shown {
		if !strings.Contains(text, s) {
			t.Errorf("terminal grid lacks %q", s)
		}
		if !strings.Contains(string(page), htmlEscape(s)) {
			t.Errorf("HTML page lacks %q", s)
		}
	}
	for _, s := range hidden {
		if strings.Contains(text, s) || strings.Contains(string(page), htmlEscape(s)) {
			t.Errorf("%q is shown, but the access level hides it", s)
		}
	}
}

// gridSection returns the grids and the legend, from the first grid's
// title to the legend line.
func gridSection(t *testing.T, text string) string {
	t.Helper()
	start := strings.Index(text, "\nalice@contoso.test asks Fabrikam")
	end := strings.Index(text, grid.Legend)
	if start < 0 || end < start {
		t.Fatalf("no grid section in\n%s", text)
	}
	return text[start+1 : end+len(grid.Legend)+1]
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;").Replace(s)
}

// gridLine returns the grid row starting with name (not a narrative line).
func gridLine(text, name string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}

func TestRunHelp(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -h = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage: go run ./examples/quickstart", "-html PATH", "-week DATE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

func TestMondayOf(t *testing.T) {
	for _, tt := range []struct{ day, want string }{
		{"2025-03-24", "2025-03-24"}, // Monday
		{"2025-03-26", "2025-03-24"},
		{"2025-03-30", "2025-03-24"}, // Sunday belongs to the week before
		{"2025-03-31", "2025-03-31"},
	} {
		d, _ := time.Parse(time.DateOnly, tt.day)
		if got := mondayOf(d).Format(time.DateOnly); got != tt.want {
			t.Errorf("mondayOf(%s) = %s, want %s", tt.day, got, tt.want)
		}
	}
}
