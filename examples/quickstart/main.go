// Command quickstart runs federated free/busy end to end in one process, on
// 127.0.0.1 only: an embedded trust broker, a DNS server, and two
// organizations, contoso.test and fabrikam.test, each answering partners with
// TLS Autodiscover and EWS endpoints. The organizations prove their domains
// in DNS, register with the broker, set organization relationships with
// different access levels, and then ask each other when their people are
// free. The answer is printed as a week's grid and written as an HTML page.
//
// Usage:
//
//	go run ./examples/quickstart [-html PATH] [-week YYYY-MM-DD] [-tz ZONE] [-v]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
	_ "time/tzdata" // the demo's zone exists even where the system has no zoneinfo
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// options are the command line's settings.
type options struct {
	html    string
	monday  time.Time
	verbose bool
}

func parseFlags(args []string, out io.Writer) (*options, error) {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(out)
	htmlPath := fs.String("html", filepath.Join(os.TempDir(), "fedavail-quickstart.html"), "write the grid as an HTML page to `PATH`")
	weekOf := fs.String("week", "", "show the week of `DATE` (YYYY-MM-DD); default this week")
	tz := fs.String("tz", "Europe/London", "the organizations' time `ZONE` (IANA name)")
	verbose := fs.Bool("v", false, "also print every protocol step the packages log")
	fs.Usage = func() {
		fmt.Fprint(out, `quickstart runs federated free/busy end to end on 127.0.0.1: a trust broker,
a DNS server and two organizations (contoso.test, fabrikam.test) with TLS
Autodiscover and EWS endpoints. It proves their domains, registers them with
the broker, sets organization relationships, asks free/busy across them and
prints a week's grid. Nothing leaves the machine.

Usage: go run ./examples/quickstart [flags]

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return nil, fmt.Errorf("-tz: %w", err)
	}
	day := time.Now().In(loc)
	if *weekOf != "" {
		if day, err = time.ParseInLocation(time.DateOnly, *weekOf, loc); err != nil {
			return nil, fmt.Errorf("-week: %w", err)
		}
	}
	return &options{html: *htmlPath, monday: mondayOf(day), verbose: *verbose}, nil
}

// mondayOf returns midnight of the Monday of t's week (Sunday counts with
// the week before).
func mondayOf(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7
	d := t.AddDate(0, 0, -back)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, t.Location())
}
