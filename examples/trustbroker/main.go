// Command trustbroker runs fedavail's trust broker on its own: a security
// token service that organizations register with (fedadmin trust), that
// checks their domain proofs in DNS, issues delegation tokens between them in
// the Microsoft Federation Gateway's format, and publishes federation metadata.
//
//	go run ./examples/trustbroker -h
//	go run ./examples/trustbroker -state DIR -tls-cert cert.pem -tls-key key.pem -listen :443 -base-url https://sts.example.org
//	go run ./examples/trustbroker -state DIR list
//	go run ./examples/trustbroker -state DIR rollover
//
//	go run ./examples/trustbroker -state DIR -store postgres://broker@db/broker -plain-http -listen :8080 -base-url https://sts.example.org
//
// The state folder holds the broker's signing key (current and previous, mode
// 0600) and, without -store, the registrations (one file per organization,
// written atomically; the folder is locked, so a second process on it
// refuses to start). With -store postgres://… the registrations and the
// replay cache live in PostgreSQL and any number of replicas (each with a
// copy of the signing key files) serve behind a load balancer, which probes
// /healthz (the process answers) and /readyz (the database answers and the
// registrations are loaded). Organizations point
// fedadmin trust at BASE-URL; partners trust the metadata at
// BASE-URL/FederationMetadata/2006-12/FederationMetadata.xml.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// usage is printed by -h and on a bad command line.
const usage = `usage: trustbroker [flags] [serve|list|rollover]

  serve      run the broker (default)
  list       print the registered organizations
  rollover   make a new signing key current; the old one stays published as
             previous so tokens it signed keep validating (restart serve after)

Flags:
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, cmd, err := parseFlags(args, stderr)
	if err != nil {
		if err == errHelp {
			return 0
		}
		return 2
	}
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, stdout)
	case "list":
		err = list(ctx, cfg, stdout)
	case "rollover":
		err = rollover(cfg, stdout)
	default:
		fmt.Fprintf(stderr, "trustbroker: unknown subcommand %q (want serve, list or rollover)\n", cmd)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
