package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/examples/internal/grid"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/sharing"
	"time"
)

// Exit statuses.
const (
	exitOK     = 0
	exitNoData = 1 // the configuration could not be used, or an attendee has no data
	exitUsage  = 2 // the command line is wrong
)

// app is what the command takes from its surroundings; the zero value is
// the real world.
type app struct {
	// httpClient reaches the trust broker and partners; nil means one from
	// transport.New with -ca.
	httpClient *http.Client
	// resolver looks up _autodiscover._tcp records; nil means the system's.
	resolver autodiscover.Resolver
	// now is the clock; nil means time.Now.
	now func() time.Time
}

func (a *app) run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	now := time.Now
	if a.now != nil {
		now = a.now
	}
	o, err := parseFlags(args, stderr, now())
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		fmt.Fprintln(stderr, "freebusy:", err)
		return exitUsage
	}
	client, err := a.client(o, now)
	if err != nil {
		fmt.Fprintln(stderr, "freebusy:", err)
		return exitNoData
	}
	if o.serve != "" {
		return a.serve(ctx, o, client, now, stderr)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	q := federation.Query{
		From: o.from, Attendees: o.attendees,
		Start: o.start, End: o.start.AddDate(0, 0, o.days), Location: o.start.Location(),
		View: o.view, MergedInterval: grid.Interval,
	}
	res, err := client.Availability(ctx, q)
	if err != nil {
		fmt.Fprintln(stderr, "freebusy:", err)
		return exitNoData
	}
	if err := write(stdout, o, q, res); err != nil {
		fmt.Fprintln(stderr, "freebusy:", err)
		return exitNoData
	}
	for _, at := range res.Attendees {
		if at.Err != nil {
			return exitNoData
		}
	}
	return exitOK
}

// write prints the answer as the grid or as JSON, and the HTML page if asked.
func write(stdout io.Writer, o *options, q federation.Query, res *federation.Result) error {
	title := fmt.Sprintf("%s asks, %s to %s (%s)", q.From,
		q.Start.Format("Mon 2 Jan 2006"), q.End.AddDate(0, 0, -1).Format("Mon 2 Jan 2006"), q.Location)
	g := grid.New(title, o.start, o.days, res)
	if o.htmlPath != "" {
		if err := writeHTML(o.htmlPath, g); err != nil {
			return err
		}
	}
	if o.json {
		return writeJSON(stdout, q, res)
	}
	_, err := fmt.Fprintf(stdout, "%s\n%s\n", g.Text(), grid.Legend)
	return err
}

func writeHTML(path string, g *grid.Grid) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := grid.WriteHTML(f, "fedavail freebusy: "+g.Title, []*grid.Grid{g}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// client builds the requesting side from the state directory.
func (a *app) client(o *options, now func() time.Time) (*federation.Client, error) {
	// admin.Open would create a missing directory: a typo in -dir must say so.
	if _, err := os.Stat(filepath.Join(o.dir, "federation.json")); err != nil {
		return nil, fmt.Errorf("-dir %s: not a fedadmin state directory (%w)", o.dir, err)
	}
	org, err := admin.Open(o.dir, nil)
	if err != nil {
		return nil, err
	}
	tc, err := org.TrustConfig()
	if err != nil {
		return nil, err
	}
	sc, err := sharing.LoadFile(org.SharingFile())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	spaces, err := loadAddressSpaces(o.addressSpaces, o.dir)
	if err != nil {
		return nil, err
	}
	resolver := a.resolver
	if o.net.DNS != "" {
		res, err := o.net.Resolver()
		if err != nil {
			return nil, err
		}
		resolver = res
	}
	hc := a.httpClient
	if hc == nil {
		if hc, err = o.net.Client(nil); err != nil {
			return nil, err
		}
	}
	return federation.NewClient(federation.Config{
		ApplicationURI: tc.ApplicationURI,
		Keys:           org.Keys(),
		Domains:        tc.Domains,
		Broker:         federation.TrustBroker{MetadataURL: tc.TokenIssuerMetadataEpr},
		Sharing:        sc,
		Disabled:       tc.Disabled,
		AddressSpaces:  spaces,
		HTTPClient:     hc,
		Resolver:       resolver,
		Logger:         slog.New(slog.DiscardHandler),
		Now:            now,
	})
}
