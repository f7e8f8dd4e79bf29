// Command freebusy asks partner organizations when their people are free,
// as the organization whose fedadmin state directory it reads: the
// organization certificate, the trust (and so the trust broker's metadata
// URL) and the organization relationships in sharing.json.
//
//	freebusy -dir fedadmin-state -from alice@contoso.com bob@fabrikam.com carol@fabrikam.com
//	freebusy -dir fedadmin-state -from alice@contoso.com -start 2026-11-30 -days 5 -tz Europe/London -json bob@fabrikam.com
//
//	freebusy -dir fedadmin-state -from alice@contoso.com -serve 127.0.0.1:8080
//
// With -serve it is a scheduling page instead: people of the organization
// type attendees from partner organizations and a date range, and see the
// same grid in the browser with the best common free times. The page needs
// nothing from elsewhere, works with the keyboard alone and in a narrow
// window; it has no sign-in of its own, so serve it on loopback or behind
// the organization's sign-in proxy.
//
// Otherwise it prints a grid of the working week (· free, █ busy, …), with the items
// the partner shared details of, and for each attendee without data the
// reason in plain words; -json prints the same for programs. The exit status
// is 1 when an attendee has no data, 2 for a wrong command line.
package main

import (
	"context"
	"os"
	"os/signal"
	_ "time/tzdata" // -tz works where the system has no zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := (&app{}).run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
