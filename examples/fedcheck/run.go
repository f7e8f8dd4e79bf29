package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/sharing"
	"github.com/fedavail/fedavail/transport"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // a step failed, or the configuration could not be read
	exitUsage = 2 // the command line is wrong
)

const usage = `usage: fedcheck [-dir DIR] [-ca FILE] [-dns ADDR] [-json] <check> [args]

Checks, as Exchange's cmdlets name them:

  trust                              Test-FederationTrust: broker metadata and certificates,
                                     organization certificate, a token for ourselves
  federation-info DOMAIN             Get-FederationInformation: the partner's Autodiscover,
                                     application URI and trust brokers
  relationship NAME -user ADDRESS    Test-OrganizationRelationship and a free/busy request for
                                     ADDRESS, a mailbox at the partner (NAME may be a domain)
  domain DOMAIN                      the federated domain proof TXT record of DOMAIN

Flags:
`

// config is what the checks read from the command line.
type config struct {
	dir, caFile, dnsAddr, from string
	json                       bool
	timeout                    time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("fedcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.dir, "dir", "fedadmin-state", "the organization's state `directory`, as fedadmin keeps it")
	fs.StringVar(&cfg.caFile, "ca", "", "PEM `file` of CA certificates to trust, in addition to the system's")
	fs.StringVar(&cfg.dnsAddr, "dns", "", "DNS server `host:port` for TXT and SRV look-ups instead of the system resolver")
	fs.StringVar(&cfg.from, "from", "", "our mailbox `address` test tokens are requested for (default fedcheck@ our first domain)")
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON")
	fs.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "give up after this `duration`")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagStatus(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	check, rest := fs.Arg(0), fs.Args()[1:]
	// Flags may follow the check's arguments too ("relationship NAME -user X").
	sub := flag.NewFlagSet("fedcheck "+check, flag.ContinueOnError)
	sub.SetOutput(stderr)
	user := sub.String("user", "", "a partner mailbox `address` (relationship)")
	sub.BoolVar(&cfg.json, "json", cfg.json, "print the report as JSON")
	var positional []string
	for {
		if err := sub.Parse(rest); err != nil {
			return flagStatus(err)
		}
		if sub.NArg() == 0 {
			break
		}
		positional, rest = append(positional, sub.Arg(0)), sub.Args()[1:]
	}
	want := map[string]int{"trust": 0, "federation-info": 1, "relationship": 1, "domain": 1}
	n, known := want[check]
	switch {
	case !known:
		fmt.Fprintf(stderr, "fedcheck: unknown check %q\n", check)
		fs.Usage()
		return exitUsage
	case len(positional) != n:
		fmt.Fprintf(stderr, "fedcheck %s: want %d argument(s), got %d\n", check, n, len(positional))
		fs.Usage()
		return exitUsage
	case check == "relationship" && *user == "":
		fmt.Fprintln(stderr, "fedcheck relationship: -user ADDRESS (a mailbox at the partner) is required")
		return exitUsage
	}

	c, err := checker(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFail
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	var r *diag.Report
	switch check {
	case "trust":
		r = c.TestFederationTrust(ctx)
	case "federation-info":
		r, _ = c.GetFederationInformation(ctx, positional[0])
	case "relationship":
		r = c.TestOrganizationRelationship(ctx, positional[0], *user)
	case "domain":
		r = c.TestDomainProof(ctx, positional[0])
	}
	if err := write(stdout, r, cfg.json); err != nil {
		fmt.Fprintln(stderr, "fedcheck:", err)
		return exitFail
	}
	if r.Failed() {
		return exitFail
	}
	return exitOK
}

func write(w io.Writer, r *diag.Report, asJSON bool) error {
	if !asJSON {
		return diag.WriteText(w, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// checker builds the Checker from the state directory. A directory without
// a trust or a sharing file still gives a Checker: the checks then say what
// is missing, which is the point of running them.
func checker(cfg config) (*diag.Checker, error) {
	tc := transport.Config{}
	if cfg.caFile != "" {
		pem, err := os.ReadFile(cfg.caFile)
		if err != nil {
			return nil, fmt.Errorf("fedcheck: -ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("fedcheck: -ca %s: no PEM certificate in it", cfg.caFile)
		}
		tc.RootCAs = pool
	}
	hc, err := transport.New(tc)
	if err != nil {
		return nil, fmt.Errorf("fedcheck: %w", err)
	}
	c := &diag.Checker{HTTPClient: hc, Requester: cfg.from}
	if cfg.dnsAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.dnsAddr); err != nil {
			return nil, fmt.Errorf("fedcheck: -dns %q: %v: give host:port, e.g. 192.0.2.53:53", cfg.dnsAddr, err)
		}
		var d net.Dialer
		res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, cfg.dnsAddr)
		}}
		c.TXTResolver, c.SRVResolver = res, res
	}
	if _, err := os.Stat(cfg.dir); err != nil {
		return nil, fmt.Errorf("fedcheck: state directory: %w (give the directory fedadmin keeps with -dir)", err)
	}
	org, err := admin.Open(cfg.dir, nil)
	if err != nil {
		return nil, err
	}
	c.Keys = org.Keys()
	if tc, err := org.TrustConfig(); err == nil {
		c.ApplicationURI, c.Domains, c.MetadataURL = tc.ApplicationURI, tc.Domains, tc.TokenIssuerMetadataEpr
		if tc.TokenIssuerCertificate != "" {
			c.StoredBroker = &diag.StoredBroker{IssuerURI: tc.TokenIssuerURI, Thumbprints: []string{tc.TokenIssuerCertificate}}
		}
	}
	// No sharing file yet means no relationships yet.
	sc, err := sharing.LoadFile(org.SharingFile())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("fedcheck: %w", err)
	}
	if c.Sharing, err = sharing.New(sc, nil); err != nil {
		return nil, fmt.Errorf("fedcheck: %s: %w", org.SharingFile(), err)
	}
	return c, nil
}

func flagStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
