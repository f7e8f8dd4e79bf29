package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/examples/internal/cli"
)

const usage = `freebusy asks partner organizations when their people are free, through the
organization relationships and trust broker of the organization fedadmin keeps.

usage: freebusy [flags] -from ADDRESS ATTENDEE...
       freebusy [flags] -serve 127.0.0.1:8080     (the scheduling page)

Flags:
`

// options are the command line's settings.
type options struct {
	dir, from, htmlPath string
	addressSpaces       string // JSON file of availability address spaces
	net                 cli.Network
	serve               string // the scheduling page's listening address, if any
	attendees           []string
	start               time.Time // midnight of the first day, in loc
	days                int
	view                ews.ViewType
	json                bool
	timeout             time.Duration
}

// views are the -view values, Exchange's names.
var views = []ews.ViewType{ews.ViewFreeBusy, ews.ViewFreeBusyMerged, ews.ViewDetailed, ews.ViewDetailedMerged}

func parseFlags(args []string, stderr io.Writer, now time.Time) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("freebusy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dir, "dir", "fedadmin-state", "the organization's state `DIR`, as fedadmin keeps it")
	fs.StringVar(&o.addressSpaces, "address-spaces", "", "availability address spaces, a JSON `FILE` (mode 600) of {ForestName, AccessMethod, Username, Password, TargetAutodiscoverEpr} (default: "+addressSpacesFile+" in -dir, if any)")
	fs.StringVar(&o.from, "from", "", "the `ADDRESS` asking, in one of the organization's domains (required)")
	start := fs.String("start", "", "first day `YYYY-MM-DD` (default: Monday of next week)")
	fs.IntVar(&o.days, "days", 5, "number of `days` shown (1 to 62)")
	tz := fs.String("tz", "Local", "time `ZONE` the window and the grid are in (IANA name)")
	view := fs.String("view", string(ews.ViewDetailedMerged), "the `VIEW` asked for: "+viewNames())
	fs.BoolVar(&o.json, "json", false, "print JSON instead of the grid")
	fs.StringVar(&o.htmlPath, "html", "", "also write the grid as an HTML page to `PATH`")
	o.net.Register(fs)
	fs.StringVar(&o.serve, "serve", "", "serve the scheduling page at `ADDR` (host:port) instead of asking once; -from is then the page's default")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up after this `duration`")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.attendees = fs.Args()
	if err := o.net.Load(o.dir, fs); err != nil {
		return nil, err
	}
	var errs []error
	if o.serve == "" {
		if o.from == "" {
			errs = append(errs, errors.New("-from ADDRESS is required"))
		}
		if len(o.attendees) == 0 {
			errs = append(errs, errors.New("give at least one attendee address"))
		}
	} else if len(o.attendees) > 0 {
		errs = append(errs, errors.New("-serve takes no attendees: the page asks for them"))
	}
	if o.days < 1 || o.days > 62 {
		errs = append(errs, fmt.Errorf("-days %d: want 1 to 62 (Exchange's limit)", o.days))
	}
	o.view = ews.ViewType(*view)
	if !validView(o.view) {
		errs = append(errs, fmt.Errorf("-view %q: want one of %s", *view, viewNames()))
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		errs = append(errs, fmt.Errorf("-tz: %w", err))
		loc = time.UTC
	}
	if *start == "" {
		o.start = nextMonday(now.In(loc))
	} else if o.start, err = time.ParseInLocation(time.DateOnly, *start, loc); err != nil {
		errs = append(errs, fmt.Errorf("-start %q: want YYYY-MM-DD", *start))
	}
	if err := errors.Join(errs...); err != nil {
		fs.Usage()
		return nil, err
	}
	return o, nil
}

// nextMonday returns midnight of the Monday after t's week: the next
// working week, which is what a person planning a meeting usually means.
func nextMonday(t time.Time) time.Time {
	ahead := (8 - int(t.Weekday())) % 7
	if ahead == 0 {
		ahead = 7
	}
	d := t.AddDate(0, 0, ahead)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, t.Location())
}

func validView(v ews.ViewType) bool {
	for _, w := range views {
		if v == w {
			return true
		}
	}
	return false
}

func viewNames() string {
	var s []string
	for _, v := range views {
		s = append(s, string(v))
	}
	return strings.Join(s, ", ")
}
