// Command partner is a standalone answering server for federated free/busy:
// what an organization without Exchange runs so that partners (Exchange or
// fedavail) can see when its people are free.
//
// It serves, on Exchange's usual paths, Autodiscover
// (/autodiscover/autodiscover.svc, its /WSSecurity variant and
// /autodiscover/autodiscover.xml) and EWS availability (/EWS/Exchange.asmx
// and its /WSSecurity variant), through federation.NewHandler. Calendars are
// a folder of iCalendar files, one per mailbox (ADDRESS.ics), a CalDAV
// server (-caldav, package calendar/caldav) or Google Workspace
// (-google-key, package calendar/googlecal); with -ldap an LDAP directory
// (package ldapdir) says which mailboxes exist, who is in the groups
// relationship scopes name and who opted in to show details. What partners
// may see is the sharing configuration file (package sharing's JSON, as
// fedadmin writes it), reloaded on SIGHUP. Partners authenticate with
// delegation tokens from the trust broker; internal users with Basic
// authentication.
//
//	partner -dir fedadmin-state -calendars cals -listen :443 \
//	    -tls-cert tls.pem -tls-key tls.key -ews-url https://mail.example.org/EWS/Exchange.asmx
//
// Run "partner -h" for every flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default: // a reload is already pending
			}
		}
	}()
	a := &app{reload: reload}
	code := a.run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
