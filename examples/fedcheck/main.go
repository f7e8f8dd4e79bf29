// Command fedcheck diagnoses federated free/busy for an organization whose
// state directory fedadmin keeps, with the steps of Exchange's
// Test-FederationTrust, Get-FederationInformation and
// Test-OrganizationRelationship, and checks domain proofs in DNS.
//
//	fedcheck -dir STATE trust
//	fedcheck -dir STATE federation-info fabrikam.com
//	fedcheck -dir STATE relationship Fabrikam -user bob@fabrikam.com
//	fedcheck -dir STATE domain contoso.com
//	fedcheck -dir STATE all -user bob@fabrikam.com
//
// Each step is printed with ✓ (pass), ! (warning), ✗ (failure) or -
// (skipped) and, when something is wrong, the likely cause and the fix.
// The exit status is 1 when a step failed (of any check, with all), 2 for a wrong command line.
// -json prints the reports as JSON instead.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := (&app{}).run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
