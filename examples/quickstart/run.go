package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/examples/internal/grid"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/sharing"
)

// days is the length of the week shown: Monday to Friday.
const days = 5

// run is the whole demo; main and the test call it.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	out := &syncWriter{w: stdout}
	log := newNarrator(out, opts.verbose)
	w, err := newWorld(out, log)
	if err != nil {
		return err
	}
	defer w.close()

	w.say("== Setting up, on 127.0.0.1 only")
	if err := w.startBroker(ctx); err != nil {
		return err
	}
	// Each side's relationship says what it shows the partner. Contoso shows
	// Fabrikam times only and knows nothing else about it: its client finds
	// the rest through Autodiscover. Fabrikam shows Contoso subjects and
	// locations, where the mailbox owner opted in (dana did).
	contoso, err := w.newOrg(ctx, "Contoso", "contoso.test", sharing.Config{
		OrganizationRelationships: []sharing.OrganizationRelationship{{
			Name: "Fabrikam", DomainNames: []string{"fabrikam.test"}, Enabled: true,
			FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
		}},
	})
	if err != nil {
		return err
	}
	fabrikam, err := w.newOrg(ctx, "Fabrikam", "fabrikam.test", sharing.Config{
		Mailboxes: []sharing.Mailbox{{Address: "dana@fabrikam.test", CalendarPermission: sharing.PermissionLimitedDetails}},
	})
	if err != nil {
		return err
	}
	contosoClient, err := w.client(contoso)
	if err != nil {
		return err
	}
	fabrikamClient, err := w.client(fabrikam)
	if err != nil {
		return err
	}
	// Fabrikam's administrator does what Exchange's
	// Get-FederationInformation | New-OrganizationRelationship does.
	fi, err := fabrikamClient.FederationInformation(ctx, "contoso.test")
	if err != nil {
		return fmt.Errorf("Fabrikam: Get-FederationInformation contoso.test: %w", err)
	}
	w.say("Fabrikam: Get-FederationInformation contoso.test → %s, domains %v, token issuer %s", fi.ApplicationURI, fi.Domains, fi.TokenIssuers[0].URI)
	if err := fabrikam.sharing.Replace(sharing.Config{
		OrganizationRelationships: []sharing.OrganizationRelationship{{
			Name: "Contoso", DomainNames: fi.Domains, Enabled: true,
			FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessLimitedDetails,
			TargetApplicationURI:  fi.ApplicationURI,
			TargetAutodiscoverEpr: fi.Endpoint + "/WSSecurity",
		}},
		Mailboxes: []sharing.Mailbox{{Address: "dana@fabrikam.test", CalendarPermission: sharing.PermissionLimitedDetails}},
	}); err != nil {
		return err
	}
	w.say("Contoso: relationship \"Fabrikam\" shows fabrikam.test AvailabilityOnly")
	w.say("Fabrikam: relationship \"Contoso\" shows contoso.test LimitedDetails; dana@fabrikam.test opted in to share subjects and locations")
	if err := fillCalendars(opts.monday, contoso, fabrikam); err != nil {
		return err
	}
	w.say("Calendars filled for the week of %s (%s)", opts.monday.Format("Mon 2 Jan 2006"), opts.monday.Location())

	end := opts.monday.AddDate(0, 0, days)
	var grids []*grid.Grid
	for _, q := range []struct {
		client *federation.Client
		title  string
		query  federation.Query
	}{
		{contosoClient, "alice@contoso.test asks Fabrikam (Fabrikam shows Contoso LimitedDetails)", federation.Query{
			From:      "alice@contoso.test",
			Attendees: []string{"dana@fabrikam.test", "erin@fabrikam.test", "frank@northwind.test"},
		}},
		{fabrikamClient, "erin@fabrikam.test asks Contoso (Contoso shows Fabrikam AvailabilityOnly)", federation.Query{
			From:      "erin@fabrikam.test",
			Attendees: []string{"bob@contoso.test", "carol@contoso.test"},
		}},
	} {
		q.query.Start, q.query.End, q.query.Location = opts.monday, end, opts.monday.Location()
		q.query.View, q.query.MergedInterval = ews.ViewDetailedMerged, grid.Interval
		w.say("\n== %s asks about %v", q.query.From, q.query.Attendees)
		res, err := q.client.Availability(ctx, q.query)
		if err != nil {
			return err
		}
		for _, a := range res.Attendees {
			if a.Err != nil {
				w.say("  %s: %v", a.Address, a.Err)
			} else {
				w.say("  %s: %s answered at %s with the %s view", a.Address, a.Partner.ApplicationURI, a.Partner.EWSURL, a.View)
			}
		}
		grids = append(grids, grid.New(q.title, opts.monday, days, res))
		if err := suggest(w, res, opts.monday); err != nil {
			return err
		}
	}

	w.say("")
	for _, g := range grids {
		w.say("%s", g.Text())
	}
	w.say("%s", grid.Legend)
	f, err := os.Create(opts.html)
	if err != nil {
		return err
	}
	if err := grid.WriteHTML(f, "fedavail quickstart: free/busy across organizations", grids); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	w.say("\nThe same grid as a page: %s", opts.html)
	return nil
}

// suggest prints the best hour-long meeting times for the attendees of
// res, combining what each organization answered.
func suggest(w *world, res *federation.Result, monday time.Time) error {
	week, err := res.Suggest(calendar.SuggestionOptions{
		Start: monday, End: monday.AddDate(0, 0, days), Location: monday.Location(), Duration: time.Hour,
		MinQuality: calendar.Good,
	})
	if err != nil {
		return err
	}
	var best []string
	for _, d := range week {
		for _, s := range d.Suggestions {
			if s.IsWorkTime && s.Quality == calendar.Excellent && len(best) < 4 {
				best = append(best, s.Start.Format("Mon 15:04"))
			}
		}
	}
	w.say("  first times all of them are free (1 hour, in working hours): %s", strings.Join(best, ", "))
	return nil
}
